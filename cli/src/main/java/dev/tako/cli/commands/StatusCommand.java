package dev.tako.cli.commands;

import dev.tako.cli.Deployer;
import dev.tako.cli.NodeClient;
import dev.tako.cli.Output;
import dev.tako.cli.Servers;
import dev.tako.cli.TakoHome;
import dev.tako.protocol.api.StatusView;
import dev.tako.protocol.config.AppConfig;
import dev.tako.protocol.config.Inventory;
import dev.tako.protocol.config.ServerEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tako status}: the cluster's members and the apps on every server, from any node that
 * answers. Inside an app directory only that app. Exits 0 whenever a node answered, also when some
 * members are unreachable (they are shown as such); servers of the inventory that are not members
 * at all are shown as down.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Show the cluster and the apps on every server.")
public final class StatusCommand implements Callable<Integer> {
  @Option(
      names = {"-c", "--config"},
      description = "The app's config file (default: ./tako.toml when present).")
  Path config;

  @Option(names = "--env", description = "Only this environment.")
  String env;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    Output out = new Output(json);
    TakoHome home = TakoHome.fromEnvironment();
    Inventory inventory = Servers.load(home);
    Path cfgFile = config != null ? config : Path.of("tako.toml");
    String appFilter = null;
    List<ServerEntry> order = new ArrayList<>(inventory.servers().values());
    if (config != null || Files.exists(cfgFile)) {
      AppConfig cfg = Deployer.loadConfig(cfgFile);
      appFilter = cfg.name();
      // Prefer the app's own servers: they are the ones that know it best.
      List<ServerEntry> preferred = new ArrayList<>();
      cfg.envs()
          .values()
          .forEach(e -> e.servers().forEach(s -> inventory.get(s).ifPresent(preferred::add)));
      preferred.addAll(order);
      order = new ArrayList<>(new java.util.LinkedHashSet<>(preferred));
    }
    StatusView view;
    try (NodeClient client = NodeClient.connectAny(order, home, out)) {
      view = client.get("/v1/status", StatusView.class, Duration.ofSeconds(30));
    }
    view = withInventory(view, inventory);
    view = filter(view, appFilter, env);
    out.result(view);
    if (!json) {
      print(view, out);
    }
    return 0;
  }

  /** Servers of the inventory that are no members at all are down. */
  static StatusView withInventory(StatusView view, Inventory inventory) {
    Set<String> seen = new HashSet<>();
    view.cluster().members().forEach(m -> seen.add(m.server()));
    List<StatusView.Member> members = new ArrayList<>(view.cluster().members());
    for (ServerEntry s : inventory.servers().values()) {
      if (!seen.contains(s.name())) {
        members.add(new StatusView.Member(s.name(), s.region(), s.host(), "down", null));
      }
    }
    return new StatusView(new StatusView.Cluster(members), view.apps());
  }

  static StatusView filter(StatusView view, String app, String env) {
    List<StatusView.AppView> apps = new ArrayList<>();
    for (StatusView.AppView a : view.apps()) {
      if ((app == null || a.app().equals(app)) && (env == null || a.env().equals(env))) {
        apps.add(a);
      }
    }
    return new StatusView(view.cluster(), apps);
  }

  /** "node 20.20.2, bun 1.1.38"; "-" when the member reported none or is not known. */
  static String runtimes(StatusView.Member m) {
    if (m.runtimes() == null || m.runtimes().isEmpty()) {
      return "-";
    }
    List<String> parts = new ArrayList<>();
    new java.util.TreeMap<>(m.runtimes()).forEach((rt, v) -> parts.add(rt + " " + v));
    return String.join(", ", parts);
  }

  /**
   * "142 MB, heap 38 MB, 41 threads, cpu 12.3 s": what the member's node costs; "-" when not known.
   */
  static String node(StatusView.Member m) {
    StatusView.NodeFigures f = m.node();
    if (f == null) {
      return "-";
    }
    long mb = 1024 * 1024;
    return (f.rssBytes() < 0 ? "rss ?" : (f.rssBytes() + mb / 2) / mb + " MB")
        + ", heap "
        + (f.heapUsedBytes() + mb / 2) / mb
        + " MB, "
        + f.threads()
        + " threads, cpu "
        + String.format(java.util.Locale.ROOT, "%.1f", f.cpuSeconds())
        + " s";
  }

  /** The human form of a status (also rendered by the class data sharing training run). */
  public static void print(StatusView view, Output out) {
    out.line(out.bold("cluster") + " (" + view.cluster().members().size() + " members)");
    out.line(
        String.format(
            "  %-10s %-8s %-12s %-22s %-14s %-22s %s",
            "SERVER", "REGION", "STATUS", "ADDRESS", "VERSION", "RUNTIMES", "NODE"));
    for (StatusView.Member m : view.cluster().members()) {
      String padded = String.format("%-12s", m.status());
      String status = m.status().equals("up") ? out.green(padded) : out.red(padded);
      out.line(
          String.format(
              "  %-10s %-8s %s %-22s %-14s %-22s %s",
              m.server(),
              m.region(),
              status,
              m.address(),
              m.version() == null ? "-" : m.version(),
              runtimes(m),
              node(m)));
    }
    if (view.apps().isEmpty()) {
      out.line("");
      out.line("no apps deployed (deploy one with: tako deploy)");
    }
    for (StatusView.AppView a : view.apps()) {
      out.line("");
      out.line(out.bold(a.app()) + " (" + a.env() + ")  routes: " + String.join(", ", a.routes()));
      if (a.current() != null) {
        out.line(
            String.format(
                "  current: %s (%s, generation %d, decided by %s at %s)",
                a.current().release(),
                a.current().kind(),
                a.current().generation(),
                a.current().decidedBy(),
                a.current().decidedAt()));
      }
      out.line(
          String.format(
              "  %-10s %-12s %-8s %-10s %s", "SERVER", "RELEASE", "DESIRED", "READY", "URL"));
      for (StatusView.ServerAppView s : a.servers()) {
        long ready = s.instances().stream().filter(i -> i.state().equals("ready")).count();
        out.line(
            String.format(
                "  %-10s %-12s %-8d %-10s %s%s",
                s.server(),
                s.release(),
                s.desired(),
                ready + "/" + s.instances().size(),
                s.url(),
                (s.stale() ? "  (stale: last known state, server did not answer)" : "")
                    + (s.state() != null ? "  (" + s.state() + ")" : "")));
        for (StatusView.InstanceView i : s.instances()) {
          out.line(
              String.format(
                  "      %-10s %-9s pid %-7s port %-6d up %-6s restarts %d%s",
                  i.id(),
                  i.state(),
                  i.pid() == null ? "-" : i.pid(),
                  i.port(),
                  i.uptimeS() + "s",
                  i.restarts(),
                  i.reason() == null
                      ? ""
                      : "  "
                          + i.reason()
                          + (i.exitCode() == null ? "" : " (exit " + i.exitCode() + ")")));
          for (String line : i.lastStderr()) {
            out.line("        | " + line);
          }
        }
      }
    }
  }
}
