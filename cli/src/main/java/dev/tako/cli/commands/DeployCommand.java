package dev.tako.cli.commands;

import dev.tako.cli.Deployer;
import dev.tako.cli.Output;
import dev.tako.cli.TakoHome;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tako deploy}. */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description = "Build, upload and roll out the app of ./tako.toml to its environment's servers.")
public final class DeployCommand implements Callable<Integer> {
  @Mixin AppOptions app;

  @Option(
      names = "--strategy",
      description = "atomic or rolling (default: the environment's strategy).")
  String strategy;

  @Option(names = "--canary", paramLabel = "SERVER", description = "Deploy to this server first.")
  String canary;

  @Option(names = "--wait", description = "Wait for another deploy of this app to finish.")
  boolean waitForLock;

  @Option(
      names = "--skip-unreachable",
      description =
          "Deploy to the servers that can be reached and report the others as skipped (without"
              + " it, an unreachable server stops the deploy before the build).")
  boolean skipUnreachable;

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
    var result =
        deployer.deploy(
            new Deployer.Options(
                app.config, app.env, strategy, canary, waitForLock, skipUnreachable));
    return Deployer.report(result, out, Deployer.loadConfig(app.config).name());
  }
}
