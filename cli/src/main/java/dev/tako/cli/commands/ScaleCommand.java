package dev.tako.cli.commands;

import dev.tako.cli.AppContext;
import dev.tako.cli.CliException;
import dev.tako.cli.NodeClient;
import dev.tako.cli.Output;
import dev.tako.protocol.api.DeployResult;
import dev.tako.protocol.api.ScaleRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tako scale N}: the desired instances per server, persisted in each node's journal (it
 * survives deploys, rollbacks and restarts). Returns when every server has reported.
 */
@Command(
    name = "scale",
    mixinStandardHelpOptions = true,
    description = "Set the number of instances per server (0 = scale to zero when idle).")
public final class ScaleCommand implements Callable<Integer> {
  @Parameters(paramLabel = "N", description = "Instances per server (>= 0).")
  int instances;

  @Mixin AppOptions app;

  @Option(names = "--server", paramLabel = "S", description = "Only this server.")
  String server;

  @Option(names = "--json", description = "Print the result as one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    if (instances < 0) {
      throw CliException.usage("N must be 0 or more, not " + instances);
    }
    Output out = new Output(json);
    AppContext ctx = this.app.load();
    List<String> servers = ctx.env().servers();
    if (server != null) {
      if (!servers.contains(server)) {
        throw CliException.usage(
            "--server " + server + " is not one of envs." + ctx.envName() + ".servers " + servers);
      }
      servers = List.of(server);
    }
    DeployResult result;
    try (NodeClient c = ctx.connect(out)) {
      result =
          c.post(
              "/v1/scale",
              new ScaleRequest(ctx.config().name(), ctx.envName(), instances, servers),
              DeployResult.class,
              Duration.ofMinutes(2));
    }
    out.result(result);
    for (DeployResult.ServerResult s : result.servers()) {
      out.line(
          String.format(
              "  %-10s %s%s", s.server(), s.result(), s.error() == null ? "" : ": " + s.error()));
    }
    if (!result.ok()) {
      System.err.println(
          "error: scaling " + ctx.config().name() + " failed on some servers (see above)");
      return CliException.FAILED;
    }
    out.line("scaled " + ctx.config().name() + " to " + instances + " instance(s) per server");
    return 0;
  }
}
