package dev.tako.cli.commands;

import dev.tako.cli.Deployer;
import dev.tako.cli.Output;
import dev.tako.cli.TakoHome;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tako deploy}. */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description = "Build, upload and roll out the app of ./tako.toml to its environment's servers.")
public final class DeployCommand implements Callable<Integer> {
  @Option(
      names = {"-c", "--config"},
      defaultValue = "tako.toml",
      description = "The app's config file (default: ${DEFAULT-VALUE}).")
  Path config;

  @Option(
      names = "--env",
      defaultValue = "production",
      description = "Environment to deploy (default: ${DEFAULT-VALUE}).")
  String env;

  @Option(
      names = "--strategy",
      description = "atomic or rolling (default: the environment's strategy).")
  String strategy;

  @Option(names = "--canary", paramLabel = "SERVER", description = "Deploy to this server first.")
  String canary;

  @Option(names = "--wait", description = "Wait for another deploy of this app to finish.")
  boolean waitForLock;

  @Option(names = "--yes", description = "Do not ask for confirmation.")
  boolean yes;

  @Option(names = "--json", description = "Print the result as one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    if (strategy != null && !strategy.equals("atomic") && !strategy.equals("rolling")) {
      throw dev.tako.cli.CliException.usage(
          "--strategy \"" + strategy + "\" is not one of: atomic, rolling");
    }
    Output out = new Output(json);
    Deployer deployer = new Deployer(TakoHome.fromEnvironment(), out);
    var result = deployer.deploy(new Deployer.Options(config, env, strategy, canary, waitForLock));
    return Deployer.report(result, out, Deployer.loadConfig(config).name());
  }
}
