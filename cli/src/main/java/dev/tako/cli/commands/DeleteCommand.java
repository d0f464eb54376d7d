package dev.tako.cli.commands;

import dev.tako.cli.AppContext;
import dev.tako.cli.CliException;
import dev.tako.cli.NodeClient;
import dev.tako.cli.Output;
import dev.tako.protocol.api.DeleteRequest;
import dev.tako.protocol.api.DeleteResult;
import dev.tako.protocol.api.DeployResult;
import java.io.Console;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tako delete}: removes the app's environment from every server of it (routes, drained
 * processes, releases, logs, dependency installs, secrets; the data directory only with {@code
 * --purge-data}). Asks for confirmation on a terminal (the app's name typed back) and needs {@code
 * --yes} elsewhere, so a script never deletes by accident. Returns when every reachable server has
 * finished; unreachable ones are listed.
 */
@Command(
    name = "delete",
    mixinStandardHelpOptions = true,
    description = "Remove the app's environment from its servers (data kept unless --purge-data).")
public final class DeleteCommand implements Callable<Integer> {
  @Mixin AppOptions app;

  @Option(names = "--yes", description = "Do not ask for confirmation (needed without a terminal).")
  boolean yes;

  @Option(
      names = "--purge-data",
      description = "Also remove the app's data directory (TAKO_DATA_DIR) on every server.")
  boolean purgeData;

  @Option(names = "--json", description = "Print the result as one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    AppContext ctx = this.app.load();
    String name = ctx.config().name();
    if (!yes) {
      confirm(name, ctx);
    }
    Output out = new Output(json);
    DeleteResult result;
    try (NodeClient c = ctx.connect(out)) {
      out.progress("deleting " + name + " (" + ctx.envName() + ") from " + ctx.env().servers());
      result =
          c.post(
              "/v1/delete",
              new DeleteRequest(name, ctx.envName(), ctx.env().servers(), purgeData),
              DeleteResult.class,
              Duration.ofMinutes(5));
    }
    out.result(result);
    for (DeployResult.ServerResult s : result.servers()) {
      out.line(
          String.format(
              "  %-10s %s%s", s.server(), s.result(), s.error() == null ? "" : ": " + s.error()));
    }
    if (!result.ok()) {
      System.err.println("error: deleting " + name + " failed on some servers (see above)");
      return CliException.FAILED;
    }
    if (!result.unreachable().isEmpty() && !json) {
      System.err.println(
          "warning: not reached: "
              + String.join(", ", result.unreachable())
              + "; run tako delete again once they are back");
    }
    out.line(
        "deleted "
            + name
            + " ("
            + ctx.envName()
            + ")"
            + (purgeData
                ? " and its data"
                : "; its data directory was kept (--purge-data removes it)"));
    return 0;
  }

  private void confirm(String name, AppContext ctx) {
    Console console = System.console();
    if (console == null) {
      throw CliException.usage(
          "tako delete removes "
              + name
              + " ("
              + ctx.envName()
              + ") from every server; pass --yes to confirm when not on a terminal");
    }
    String typed =
        console.readLine(
            "This removes %s (%s) from %s%s.%nType the app's name to confirm: ",
            name,
            ctx.envName(),
            String.join(", ", ctx.env().servers()),
            purgeData ? ", with its data" : "");
    if (typed == null || !typed.trim().equals(name)) {
      throw CliException.failed("not confirmed; nothing was deleted");
    }
  }
}
