package dev.tako.proxy;

import dev.tako.proxy.channels.ChannelStreams;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The proxy's request metrics per app (SPEC §9, issue 5 item 8): requests by status class, a
 * latency histogram from request head to response end, cold starts and static file hits. One
 * instance per actor system ({@link #get}), shared by every proxy binding and event loop of the
 * node and read by the node's metrics endpoint, which renders it with {@link #render}.
 *
 * <p>Cheap on the event loops: each app's counters are {@link LongAdder}s created once, when the
 * app is first seen; recording is a bucket search and two or three adds, no lock. Apps are never
 * forgotten while the node runs (an app key is a few hundred bytes).
 */
public final class ProxyMetrics implements Extension {
  /** Upper bounds of the latency buckets, in seconds (Prometheus' defaults). */
  static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private static final long[] BUCKET_NANOS = new long[BUCKETS.length];

  static {
    for (int i = 0; i < BUCKETS.length; i++) {
      BUCKET_NANOS[i] = (long) (BUCKETS[i] * TimeUnit.SECONDS.toNanos(1));
    }
  }

  private static final Id ID = new Id();

  /** The extension's id (Pekko creates the instance once per actor system). */
  public static final class Id extends ExtensionId<ProxyMetrics> {
    @Override
    public ProxyMetrics createExtension(ActorSystem<?> system) {
      return new ProxyMetrics();
    }
  }

  /** This actor system's proxy metrics. */
  public static ProxyMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** Subscriber streams of channels (SPEC §13) and their limits, for every port of the node. */
  public final ChannelStreams channels = new ChannelStreams();

  /** The counters of one app. */
  static final class App {
    final String appKey;
    final LongAdder[] byClass = new LongAdder[5];
    final LongAdder[] buckets = new LongAdder[BUCKETS.length + 1];
    final LongAdder durationNanos = new LongAdder();
    final LongAdder coldStarts = new LongAdder();
    final LongAdder staticHits = new LongAdder();

    /** Requests sent to a peer's proxy (failover or Tako-Replay), by the peer's server name. */
    final ConcurrentHashMap<String, LongAdder> forwarded = new ConcurrentHashMap<>();

    App(String appKey) {
      this.appKey = appKey;
      for (int i = 0; i < byClass.length; i++) {
        byClass[i] = new LongAdder();
      }
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }

    /** A request ended with {@code status} after {@code nanos}. */
    void request(int status, long nanos) {
      int c = status / 100 - 1;
      if (c >= 0 && c < byClass.length) {
        byClass[c].increment();
      }
      int b = 0;
      while (b < BUCKET_NANOS.length && nanos > BUCKET_NANOS[b]) {
        b++;
      }
      buckets[b].increment();
      durationNanos.add(Math.max(0, nanos));
    }
  }

  private final ConcurrentHashMap<String, App> apps = new ConcurrentHashMap<>();

  ProxyMetrics() {}

  /** The counters of {@code appKey}, created on first use. */
  App app(String appKey) {
    App app = apps.get(appKey);
    return app != null ? app : apps.computeIfAbsent(appKey, App::new);
  }

  /** A cold start of {@code appKey} began (one per group of waiting requests). */
  public void coldStart(String appKey) {
    app(appKey).coldStarts.increment();
  }

  /** A request of {@code appKey} went to the proxy of server {@code to} (SPEC §12). */
  void forward(String appKey, String to) {
    app(appKey).forwarded.computeIfAbsent(to, t -> new LongAdder()).increment();
  }

  /** Requests of {@code appKey} forwarded to server {@code to} so far. */
  public long forwarded(String appKey, String to) {
    App app = apps.get(appKey);
    LongAdder n = app == null ? null : app.forwarded.get(to);
    return n == null ? 0 : n.sum();
  }

  /** Requests answered so far for {@code appKey} with a status in {@code 100 * statusClass}. */
  public long requests(String appKey, int statusClass) {
    App app = apps.get(appKey);
    return app == null ? 0 : app.byClass[statusClass - 1].sum();
  }

  /** Static files served for {@code appKey}. */
  public long staticHits(String appKey) {
    App app = apps.get(appKey);
    return app == null ? 0 : app.staticHits.sum();
  }

  /** Cold starts of {@code appKey}. */
  public long coldStarts(String appKey) {
    App app = apps.get(appKey);
    return app == null ? 0 : app.coldStarts.sum();
  }

  /**
   * Appends the metrics in Prometheus text format (HELP and TYPE lines included).
   *
   * @param labels labels put first on every sample, e.g. {@code server="la-1"}; may be empty
   */
  public void render(StringBuilder out, String labels) {
    Map<String, App> sorted = new TreeMap<>(apps);
    String prefix = labels.isEmpty() ? "" : labels + ",";
    out.append("# HELP tako_proxy_requests_total Requests answered by the proxy, by app and status")
        .append(" class.\n# TYPE tako_proxy_requests_total counter\n");
    for (App app : sorted.values()) {
      for (int c = 0; c < app.byClass.length; c++) {
        out.append("tako_proxy_requests_total{")
            .append(prefix)
            .append(appLabels(app.appKey))
            .append(",code=\"")
            .append(c + 1)
            .append("xx\"} ")
            .append(app.byClass[c].sum())
            .append('\n');
      }
    }
    out.append("# HELP tako_proxy_request_duration_seconds Time from request head to response")
        .append(" end.\n# TYPE tako_proxy_request_duration_seconds histogram\n");
    for (App app : sorted.values()) {
      String l = prefix + appLabels(app.appKey);
      long cumulative = 0;
      for (int b = 0; b <= BUCKETS.length; b++) {
        cumulative += app.buckets[b].sum();
        out.append("tako_proxy_request_duration_seconds_bucket{")
            .append(l)
            .append(",le=\"")
            .append(b < BUCKETS.length ? Double.toString(BUCKETS[b]) : "+Inf")
            .append("\"} ")
            .append(cumulative)
            .append('\n');
      }
      out.append("tako_proxy_request_duration_seconds_sum{")
          .append(l)
          .append("} ")
          .append(app.durationNanos.sum() / 1e9)
          .append('\n');
      out.append("tako_proxy_request_duration_seconds_count{")
          .append(l)
          .append("} ")
          .append(cumulative)
          .append('\n');
    }
    counter(
        out,
        sorted,
        prefix,
        "tako_proxy_cold_starts_total",
        "Cold starts of apps scaled to zero.",
        true);
    counter(
        out,
        sorted,
        prefix,
        "tako_proxy_static_hits_total",
        "Static files served from public/.",
        false);
    out.append("# HELP tako_proxy_forwarded_total Requests sent to another server's proxy (no")
        .append(" ready instance here, or Tako-Replay), by app and server.\n")
        .append("# TYPE tako_proxy_forwarded_total counter\n");
    for (App app : sorted.values()) {
      for (Map.Entry<String, LongAdder> to : new TreeMap<>(app.forwarded).entrySet()) {
        out.append("tako_proxy_forwarded_total{")
            .append(prefix)
            .append(appLabels(app.appKey))
            .append(",to=\"")
            .append(escape(to.getKey()))
            .append("\"} ")
            .append(to.getValue().sum())
            .append('\n');
      }
    }

    channels.render(out, labels);
  }

  private static void counter(
      StringBuilder out,
      Map<String, App> apps,
      String prefix,
      String name,
      String help,
      boolean coldStarts) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" counter\n");
    for (App app : apps.values()) {
      out.append(name)
          .append('{')
          .append(prefix)
          .append(appLabels(app.appKey))
          .append("} ")
          .append((coldStarts ? app.coldStarts : app.staticHits).sum())
          .append('\n');
    }
  }

  /** {@code app="a",env="e"} from an app key "a/e" (just app when there is no env). */
  static String appLabels(String appKey) {
    int slash = appKey.indexOf('/');
    if (slash < 0) {
      return "app=\"" + escape(appKey) + "\"";
    }
    return "app=\""
        + escape(appKey.substring(0, slash))
        + "\",env=\""
        + escape(appKey.substring(slash + 1))
        + "\"";
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
