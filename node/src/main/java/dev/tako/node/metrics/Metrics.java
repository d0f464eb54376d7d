package dev.tako.node.metrics;

import dev.tako.node.NodeAgent;
import dev.tako.node.NodeSettings;
import dev.tako.node.cluster.ClusterView;
import dev.tako.node.footprint.NodeFootprint;
import dev.tako.node.status.ServerStatus;
import dev.tako.protocol.api.StatusView;
import dev.tako.proxy.ProxyMetrics;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /metrics} in Prometheus text format on {@code 127.0.0.1:<metrics_port>} (SPEC §9):
 * cluster members by status as this node sees them, this node's app instances by state, requests in
 * flight through the proxy, the proxy's per-app request counts by status class, latency histogram,
 * cold starts and static file hits ({@link ProxyMetrics}), JVM heap, and what the node process
 * costs ({@link NodeFootprint}: RSS, heap, threads, CPU seconds). Gathered per scrape; the proxy's
 * hot path only adds to its counters.
 */
public final class Metrics extends AllDirectives {
  private final ActorSystem<?> system;
  private final NodeSettings settings;
  private final ActorRef<NodeAgent.Command> agent;
  private final ClusterView cluster;
  private final dev.tako.proxy.InFlightCounts inFlight;

  public Metrics(
      ActorSystem<?> system,
      NodeSettings settings,
      ActorRef<NodeAgent.Command> agent,
      ClusterView cluster,
      dev.tako.proxy.InFlightCounts inFlight) {
    this.system = system;
    this.settings = settings;
    this.agent = agent;
    this.cluster = cluster;
    this.inFlight = inFlight;
  }

  public Route routes() {
    return path(
        "metrics",
        () ->
            get(
                () ->
                    onSuccess(
                        render(),
                        text ->
                            complete(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, text)))));
  }

  CompletionStage<String> render() {
    CompletionStage<ServerStatus> local =
        AskPattern.ask(agent, NodeAgent.GetStatus::new, Duration.ofSeconds(5), system.scheduler());
    return local.handle(
        (status, failure) -> {
          StringBuilder out = new StringBuilder();
          String server = label("server", settings.server());
          out.append(
              "# HELP tako_cluster_members Cluster members by status, as this node sees them.\n");
          out.append("# TYPE tako_cluster_members gauge\n");
          for (String st : new String[] {"up", "joining", "leaving", "unreachable", "down"}) {
            long n = cluster.members().stream().filter(m -> m.status().equals(st)).count();
            out.append("tako_cluster_members{")
                .append(server)
                .append(",status=\"")
                .append(st)
                .append("\"} ")
                .append(n)
                .append('\n');
          }
          out.append("# HELP tako_instances App instances on this server by state.\n");
          out.append("# TYPE tako_instances gauge\n");
          out.append(
              "# HELP tako_requests_in_flight Requests in flight through the proxy per app instance.\n");
          out.append("# TYPE tako_requests_in_flight gauge\n");
          if (status != null) {
            for (ServerStatus.AppOnServer a : status.apps()) {
              String app = label("app", a.app()) + "," + label("env", a.env());
              java.util.Map<String, Integer> byState = new java.util.TreeMap<>();
              for (StatusView.InstanceView i : a.view().instances()) {
                byState.merge(i.state(), 1, Integer::sum);
                out.append("tako_requests_in_flight{")
                    .append(server)
                    .append(',')
                    .append(app)
                    .append(",instance=\"")
                    .append(i.id())
                    .append("\"} ")
                    .append(inFlight.count("127.0.0.1", i.port()))
                    .append('\n');
              }
              byState.forEach(
                  (state, n) ->
                      out.append("tako_instances{")
                          .append(server)
                          .append(',')
                          .append(app)
                          .append(",state=\"")
                          .append(state)
                          .append("\"} ")
                          .append(n)
                          .append('\n'));
            }
          }
          ProxyMetrics.get(system).render(out, server);
          var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
          out.append("# HELP tako_jvm_heap_used_bytes Heap in use by the node JVM.\n");
          out.append("# TYPE tako_jvm_heap_used_bytes gauge\n");
          out.append("tako_jvm_heap_used_bytes{")
              .append(server)
              .append("} ")
              .append(heap.getUsed())
              .append('\n');
          footprint(out, server, NodeFootprint.measure());
          return out.toString();
        });
  }

  /** What the node process costs: RSS, heap, threads, CPU seconds. */
  static void footprint(StringBuilder out, String server, StatusView.NodeFigures f) {
    gauge(
        out,
        server,
        "tako_node_rss_bytes",
        "gauge",
        "Resident memory of the node process.",
        f.rssBytes());
    gauge(
        out,
        server,
        "tako_node_heap_used_bytes",
        "gauge",
        "Java heap in use by the node process.",
        f.heapUsedBytes());
    gauge(
        out,
        server,
        "tako_node_threads",
        "gauge",
        "Threads of the node process (the JVM's own too).",
        f.threads());
    gauge(
        out,
        server,
        "tako_node_cpu_seconds_total",
        "counter",
        "CPU time (user and system) the node process used since it started.",
        f.cpuSeconds());
  }

  private static void gauge(
      StringBuilder out, String server, String name, String type, String help, Number value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    out.append(name).append('{').append(server).append("} ").append(value).append('\n');
  }

  private static String label(String name, String value) {
    return name + "=\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
