package dev.tako.cli.commands;

import dev.tako.cli.AppContext;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every app command shares ({@code -c tako.toml}, {@code --env}); a picocli mixin. */
public final class AppOptions {
  @Option(
      names = {"-c", "--config"},
      defaultValue = "tako.toml",
      description = "The app's config file (default: ${DEFAULT-VALUE}).")
  public Path config;

  @Option(
      names = "--env",
      defaultValue = "production",
      description = "Environment (default: ${DEFAULT-VALUE}).")
  public String env;

  /** The validated app, environment and servers; exit 2 on any problem. */
  public AppContext load() {
    return AppContext.load(config, env);
  }
}
