package dev.tako.cli.commands;

import dev.tako.cli.AppContext;
import dev.tako.cli.CliException;
import dev.tako.cli.Deployer;
import dev.tako.cli.NodeClient;
import dev.tako.cli.Output;
import dev.tako.protocol.api.DeployResult;
import dev.tako.protocol.api.ReleasesView;
import dev.tako.protocol.api.RollbackRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tako releases ls|rollback}: release history across servers, and going back. */
@Command(
    name = "releases",
    mixinStandardHelpOptions = true,
    description = "List an app's releases, or roll back to one.",
    subcommands = {ReleasesCommand.Ls.class, ReleasesCommand.Rollback.class})
public final class ReleasesCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(
      name = "ls",
      mixinStandardHelpOptions = true,
      description = "Release history merged across the environment's servers, newest first.")
  static final class Ls implements Callable<Integer> {
    @Option(
        names = {"-c", "--config"},
        defaultValue = "tako.toml",
        description = "The app's config file (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(
        names = "--env",
        defaultValue = "production",
        description = "Environment (default: ${DEFAULT-VALUE}).")
    String env;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      Output out = new Output(json);
      AppContext app = AppContext.load(config, env);
      ReleasesView view;
      try (NodeClient c = app.connect(out)) {
        view =
            c.get(
                "/v1/releases?app=" + enc(app.config().name()) + "&env=" + enc(env),
                ReleasesView.class,
                Duration.ofSeconds(30));
      }
      out.result(view);
      if (view.releases().isEmpty()) {
        out.line(
            "no releases of "
                + app.config().name()
                + " ("
                + env
                + ") yet; deploy with: tako deploy");
      } else {
        out.line(
            String.format(
                "%-12s %-21s %-24s %-20s %s", "RELEASE", "CREATED", "BY", "SERVERS", "CURRENT ON"));
        for (ReleasesView.Release r : view.releases()) {
          out.line(
              String.format(
                  "%-12s %-21s %-24s %-20s %s",
                  r.id(),
                  r.created(),
                  r.by(),
                  String.join(",", r.servers()),
                  r.currentOn().isEmpty() ? "-" : String.join(",", r.currentOn())));
        }
      }
      return 0;
    }
  }

  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description =
          "Roll back to RELEASE (default: the one before the current), with the same zero-downtime switch as a deploy.")
  static final class Rollback implements Callable<Integer> {
    @Parameters(
        paramLabel = "RELEASE",
        arity = "0..1",
        description = "A release id from tako releases ls.")
    String release;

    @Option(
        names = {"-c", "--config"},
        defaultValue = "tako.toml",
        description = "The app's config file (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(
        names = "--env",
        defaultValue = "production",
        description = "Environment (default: ${DEFAULT-VALUE}).")
    String env;

    @Option(names = "--yes", description = "Do not ask for confirmation.")
    boolean yes;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      if (release != null && !release.matches("r[0-9a-f]{10}")) {
        throw CliException.usage(
            "RELEASE \""
                + release
                + "\" is not a release id (r + 10 hex digits; see tako releases ls)");
      }
      Output out = new Output(json);
      AppContext app = AppContext.load(config, env);
      RollbackRequest req =
          new RollbackRequest(
              app.config().name(), env, release, app.env().servers(), Deployer.who());
      DeployResult result;
      try (NodeClient c = app.connect(out)) {
        out.progress(
            "rolling back "
                + app.config().name()
                + " ("
                + env
                + ")"
                + (release == null ? " to the previous release" : " to " + release));
        result = c.rollout("/v1/rollback", req, Duration.ofMinutes(16), Deployer::progress);
      }
      return Deployer.report(result, out, app.config().name());
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
