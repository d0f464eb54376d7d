package dev.tako.cli.commands;

import dev.tako.cli.AppContext;
import dev.tako.cli.CliException;
import dev.tako.cli.NodeClient;
import dev.tako.cli.Output;
import dev.tako.protocol.Durations;
import dev.tako.protocol.Json;
import dev.tako.protocol.api.LogLine;
import dev.tako.protocol.api.LogsView;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tako logs}: the app's stdout and stderr from every server of the environment, merged in
 * time order through any one node (which gathers them from the others), each line labelled with
 * server and instance. {@code --tail} polls every second for newer lines and prints each once,
 * until interrupted; a server that stops answering is reported once on stderr while the others go
 * on, and a lost connection to the node moves to the next server of the environment.
 */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = "Show the app's logs from every server, merged in time order.")
public final class LogsCommand implements Callable<Integer> {
  static final Duration POLL = Duration.ofSeconds(1);

  /** Lines asked again on each poll, so a line written just behind another server's is not lost. */
  static final Duration OVERLAP = Duration.ofSeconds(2);

  @Mixin AppOptions app;

  @Option(names = "--server", paramLabel = "S", description = "Only this server.")
  String server;

  @Option(
      names = "--since",
      paramLabel = "DURATION",
      description = "Only lines of the last DURATION (500ms, 30s, 10m, 2h).")
  String since;

  @Option(
      names = {"-n", "--lines"},
      paramLabel = "N",
      description =
          "At most the newest N lines (default: 100, or 10000 with --since; at most 10000).")
  Integer lines;

  @Option(names = "--tail", description = "Keep printing new lines until interrupted (Ctrl-C).")
  boolean tail;

  @Option(names = "--json", description = "One JSON object per line (NDJSON).")
  boolean json;

  @Override
  public Integer call() {
    Instant from = Instant.EPOCH;
    if (since != null) {
      try {
        from = Instant.now().minus(Durations.parse(since));
      } catch (IllegalArgumentException e) {
        throw CliException.usage("--since: " + e.getMessage());
      }
    }
    int limit = lines != null ? lines : since != null ? 10_000 : 100;
    if (limit < 1 || limit > 10_000) {
      throw CliException.usage("--lines must be 1 to 10000, not " + limit);
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
    Printer printer = new Printer(out, servers);
    NodeClient client = ctx.connect(out);
    try {
      LogsView first = fetch(client, ctx, from, limit);
      printer.print(first, Instant.EPOCH);
      if (!tail) {
        return 0;
      }
      while (true) {
        pause();
        Instant next = printer.newest().minus(OVERLAP);
        if (next.isBefore(from)) {
          next = from;
        }
        LogsView view;
        try {
          view = fetch(client, ctx, next, 10_000);
        } catch (CliException e) {
          if (e.exitCode() != CliException.UNREACHABLE) {
            throw e;
          }
          out.progress(
              "warning: lost the connection to "
                  + client.server().name()
                  + " ("
                  + e.getMessage()
                  + "); trying the environment's servers");
          client.close();
          client = reconnect(ctx, out);
          continue;
        }
        printer.print(view, next);
      }
    } finally {
      client.close();
    }
  }

  private LogsView fetch(NodeClient client, AppContext ctx, Instant from, int limit) {
    StringBuilder path =
        new StringBuilder("/v1/logs?app=")
            .append(enc(ctx.config().name()))
            .append("&env=")
            .append(enc(ctx.envName()))
            .append("&limit=")
            .append(limit);
    if (from.isAfter(Instant.EPOCH)) {
      path.append("&since=").append(enc(from.toString()));
    }
    if (server != null) {
      path.append("&server=").append(enc(server));
    }
    return client.get(path.toString(), LogsView.class, Duration.ofSeconds(30));
  }

  /** The next node of the environment that answers; keeps trying (a tail waits for one). */
  private static NodeClient reconnect(AppContext ctx, Output out) {
    while (true) {
      try {
        return ctx.connect(out);
      } catch (CliException e) {
        if (e.exitCode() != CliException.UNREACHABLE) {
          throw e;
        }
        out.progress("warning: no server answers yet; retrying");
        pause();
      }
    }
  }

  private static void pause() {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(CliException.FAILED, "interrupted");
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /**
   * Prints each line once across overlapping polls (a line is known by its server, instance,
   * stream, time, text and how many identical ones came before it in the same answer), and reports
   * each server that stops answering once, until it answers again.
   */
  static final class Printer {
    private final Output out;
    private final List<String> servers;
    private final Set<String> seen = new HashSet<>();
    private final Set<String> missing = new HashSet<>();
    private Instant newest = Instant.EPOCH;

    Printer(Output out, List<String> servers) {
      this.out = out;
      this.servers = List.copyOf(servers);
    }

    Instant newest() {
      return newest;
    }

    /** Prints the lines not printed yet; {@code from} is the time the answer starts at. */
    List<LogLine> print(LogsView view, Instant from) {
      List<LogLine> fresh = fresh(view, from);
      for (LogLine l : fresh) {
        if (out.json()) {
          System.out.println(Json.write(l));
        } else {
          System.out.println(human(l));
        }
      }
      System.out.flush();
      Set<String> answered = new HashSet<>(view.servers());
      for (String s : servers) {
        if (!answered.contains(s)) {
          if (missing.add(s)) {
            out.progress(
                "warning: server "
                    + s
                    + " is unreachable"
                    + (view.unreachable().contains(s) ? "" : " (not in the cluster)")
                    + "; showing the others");
          }
        } else if (missing.remove(s)) {
          out.progress("server " + s + " answers again");
        }
      }
      return fresh;
    }

    List<LogLine> fresh(LogsView view, Instant from) {
      List<LogLine> fresh = new ArrayList<>();
      Map<String, Integer> repeats = new HashMap<>();
      Set<String> keys = new HashSet<>();
      for (LogLine l : view.lines()) {
        String base =
            l.server()
                + "\0"
                + l.instance()
                + "\0"
                + l.stream()
                + "\0"
                + l.time()
                + "\0"
                + l.line();
        int n = repeats.merge(base, 1, Integer::sum);
        String key = base + "\0" + n;
        keys.add(key);
        if (seen.add(key)) {
          fresh.add(l);
        }
        Instant t = Instant.parse(l.time());
        if (t.isAfter(newest)) {
          newest = t;
        }
      }
      // Forget keys older than the next poll's window: they cannot come again.
      Instant cutoff = newest.minus(OVERLAP).minusSeconds(1);
      seen.removeIf(k -> !keys.contains(k) && Instant.parse(timeOf(k)).isBefore(cutoff));
      return fresh;
    }

    private static String timeOf(String key) {
      String[] parts = key.split("\0", 5);
      return parts.length > 3 ? parts[3] : "";
    }

    String human(LogLine l) {
      String label = l.server() + "/" + l.instance();
      boolean err = "stderr".equals(l.stream());
      String stream = err ? out.red("stderr") : "stdout";
      return l.time() + " " + label + " " + stream + " | " + l.line();
    }
  }
}
