package dev.tako.node.failover;

import dev.tako.proxy.AppRoutes;
import dev.tako.proxy.RouteSnapshot;
import dev.tako.proxy.failover.PeerDirectory;
import dev.tako.proxy.failover.PeerProxy;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What this node knows of its peers' readiness: for each peer its last announcement, when it came,
 * and the last measured round trip. Plain state owned by {@link ReadinessExchange}; {@link
 * #directory} makes the immutable view the proxy reads. Not thread-safe.
 */
final class PeerTable {
  private record Peer(
      String region, String host, int port, Set<String> ready, long seenNanos, long rttNanos) {}

  private final Map<String, Peer> peers = new HashMap<>();

  /**
   * The app keys this node can serve itself: those with at least one ready instance in its routes.
   */
  static Set<String> readyHere(RouteSnapshot routes) {
    Set<String> ready = new TreeSet<>();
    for (Map.Entry<String, AppRoutes> app : routes.apps().entrySet()) {
      if (!app.getValue().upstreams().isEmpty()) {
        ready.add(app.getKey());
      }
    }
    return ready;
  }

  /** A peer's announcement arrived at {@code now}. */
  void announced(String server, String region, String host, int port, Set<String> ready, long now) {
    Peer old = peers.get(server);
    long rtt = old == null ? Long.MAX_VALUE : old.rttNanos();
    peers.put(server, new Peer(region, host, port, Set.copyOf(ready), now, rtt));
  }

  /** The echo of our timestamp came back from {@code server}: a round trip. */
  void measured(String server, long rttNanos) {
    Peer old = peers.get(server);
    if (old != null) {
      peers.put(
          server,
          new Peer(old.region(), old.host(), old.port(), old.ready(), old.seenNanos(), rttNanos));
    }
  }

  /** A peer left the cluster (or its exchange stopped). */
  void gone(String server) {
    peers.remove(server);
  }

  /**
   * When, after {@code now}, the next peer heard from within {@code expiryNanos} stops being so
   * ({@link System#nanoTime} scale), or {@link Long#MAX_VALUE} when none is live.
   */
  long nextExpiry(long now, long expiryNanos) {
    long next = Long.MAX_VALUE;
    for (Peer p : peers.values()) {
      long at = p.seenNanos() + expiryNanos;
      if (at >= now && at < next) {
        next = at;
      }
    }
    return next;
  }

  /**
   * The peers heard from within {@code expiryNanos} of {@code now} with what each can serve,
   * nearest first (a peer whose round trip is not measured yet comes after measured ones).
   */
  PeerDirectory directory(long now, long expiryNanos) {
    Map<PeerProxy, Set<String>> live = new HashMap<>();
    peers.forEach(
        (server, p) -> {
          if (now - p.seenNanos() <= expiryNanos) {
            live.put(
                new PeerProxy(server, p.region(), p.host(), p.port(), p.rttNanos()), p.ready());
          }
        });
    return PeerDirectory.of(live);
  }
}
