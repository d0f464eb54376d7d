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
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
    @Mixin AppOptions app;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      Output out = new Output(json);
      AppContext ctx = this.app.load();
      ReleasesView view;
      try (NodeClient c = ctx.connect(out)) {
        view =
            c.get(
                "/v1/releases?app=" + enc(ctx.config().name()) + "&env=" + enc(ctx.envName()),
                ReleasesView.class,
                Duration.ofSeconds(30));
      }
      out.result(view);
      if (view.releases().isEmpty()) {
        out.line(
            "no releases of "
                + ctx.config().name()
                + " ("
                + ctx.envName()
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

    @Mixin AppOptions app;

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
      AppContext ctx = this.app.load();
      RollbackRequest req =
          new RollbackRequest(
              ctx.config().name(), ctx.envName(), release, ctx.env().servers(), Deployer.who());
      DeployResult result;
      try (NodeClient c = ctx.connect(out)) {
        out.progress(
            "rolling back "
                + ctx.config().name()
                + " ("
                + ctx.envName()
                + ")"
                + (release == null ? " to the previous release" : " to " + release));
        result = c.rollout("/v1/rollback", req, Duration.ofMinutes(16), Deployer::progress);
      }
      return Deployer.report(result, out, ctx.config().name());
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
