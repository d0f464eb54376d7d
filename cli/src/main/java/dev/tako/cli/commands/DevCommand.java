package dev.tako.cli.commands;

import dev.tako.cli.CliException;
import dev.tako.cli.TakoHome;
import dev.tako.cli.dev.DevProcess;
import dev.tako.cli.dev.LocalCa;
import dev.tako.cli.dev.TrustCommand;
import dev.tako.cli.dev.TrustStores;
import dev.tako.protocol.Durations;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tako dev} (SPEC §8): runs the app of the current directory locally behind the machine's
 * dev proxy at {@code https://<app>.localhost:47831/}; {@code tako dev trust} trusts the dev CA;
 * the hidden {@code tako dev proxy} is that proxy's process. Both run as a process of their own
 * from the node distribution's jars ({@link DevProcess}): the CLI itself never loads Pekko.
 */
@Command(
    name = "dev",
    mixinStandardHelpOptions = true,
    description = {
      "Run the app locally with the production runtime contract (TAKO_ENV=development), served at"
          + " https://<app>.localhost:47831/ (or the routes of [envs.development]) with a"
          + " certificate from a local CA ($TAKO_HOME/ca/ca.crt).",
      "Saving tako.toml or the development secrets restarts the app; r restarts, q or Ctrl-C"
          + " stops. Several apps share one dev proxy."
    },
    subcommands = {DevCommand.Trust.class, DevCommand.Proxy.class})
public final class DevCommand implements Callable<Integer> {
  /** The HTTPS port of the dev proxy by default; plain HTTP is the port below. */
  public static final int DEFAULT_PORT = 47831;

  @Option(
      names = {"-c", "--config"},
      defaultValue = "tako.toml",
      description = "The app's config file (default: ${DEFAULT-VALUE}).")
  Path config;

  @Option(
      names = "--port",
      defaultValue = "" + DEFAULT_PORT,
      description =
          "HTTPS port of the dev proxy (default: ${DEFAULT-VALUE}); plain HTTP, redirecting to"
              + " HTTPS, listens on the port below.")
  int port;

  @Override
  public Integer call() {
    checkPort(port);
    TakoHome home = TakoHome.fromEnvironment();
    // Made here, not by the dev process: tako dev trust needs ca.crt too.
    LocalCa.of(home);
    return DevProcess.run(
        home,
        List.of(
            "session",
            "--config",
            config.toAbsolutePath().toString(),
            "--port",
            Integer.toString(port)));
  }

  static void checkPort(int port) {
    if (port < 2 || port > 65535) {
      throw CliException.usage(
          "--port " + port + " is not a port: 2..65535 (plain HTTP uses the port below it)");
    }
  }

  /** {@code tako dev trust}. */
  @Command(
      name = "trust",
      mixinStandardHelpOptions = true,
      description =
          "Add the local dev CA to the system trust store (update-ca-certificates) and to the"
              + " browsers' NSS databases, and print how to undo it.")
  static final class Trust implements Callable<Integer> {
    @Override
    public Integer call() {
      return TrustCommand.run(TakoHome.fromEnvironment(), TrustStores.forThisMachine());
    }
  }

  /** {@code tako dev proxy}: the shared dev proxy's own process, started by {@code tako dev}. */
  @Command(
      name = "proxy",
      hidden = true,
      mixinStandardHelpOptions = true,
      description = "Run the machine's dev proxy (started by tako dev; exits after its last app).")
  static final class Proxy implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "" + DEFAULT_PORT, description = "HTTPS port.")
    int port;

    @Option(
        names = "--linger",
        defaultValue = "1s",
        description = "How long to outlive the last app (default: ${DEFAULT-VALUE}).")
    String linger;

    @Override
    public Integer call() {
      checkPort(port);
      try {
        Durations.parse(linger);
      } catch (IllegalArgumentException e) {
        throw CliException.usage("--linger " + linger + ": " + e.getMessage());
      }
      TakoHome home = TakoHome.fromEnvironment();
      LocalCa.of(home);
      return DevProcess.run(
          home, List.of("proxy", "--port", Integer.toString(port), "--linger", linger));
    }
  }
}
