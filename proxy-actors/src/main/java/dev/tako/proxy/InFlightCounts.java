package dev.tako.proxy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests (and upgraded connections) in flight to each upstream, counted by the proxy's event
 * loops: a draining app instance is stopped once its count is 0 (DESIGN.md: drain until in-flight
 * requests finish). Lock-free: one counter per upstream, created on first use.
 */
public final class InFlightCounts {
  private final ConcurrentHashMap<Upstream, AtomicInteger> counts = new ConcurrentHashMap<>();

  void started(Upstream u) {
    counts.computeIfAbsent(u, k -> new AtomicInteger()).incrementAndGet();
  }

  void ended(Upstream u) {
    AtomicInteger c = counts.get(u);
    if (c != null) {
      c.decrementAndGet();
    }
  }

  public int count(String host, int port) {
    AtomicInteger c = counts.get(new Upstream(host, port));
    return c == null ? 0 : Math.max(0, c.get());
  }
}
