package dev.tako.proxy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Concurrent requests per client address, shared by all event loops of every proxy bound with the
 * same {@link RouteSnapshots} (the node's HTTP and HTTPS ports) (SPEC §9: more than {@code
 * tako.proxy.max-requests-per-client} get 429). One counter per address that has a request in
 * flight, removed when its count drops to zero, so the map holds only active clients. Lock-free: a
 * counter being removed is marked dead (-1) first, and a request that finds a dead counter replaces
 * it.
 */
final class ClientLimits {
  private final int max;
  private final ConcurrentHashMap<String, AtomicInteger> active = new ConcurrentHashMap<>();

  ClientLimits(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("tako.proxy.max-requests-per-client must be positive");
    }
    this.max = max;
  }

  /**
   * A request from {@code client} starts.
   *
   * @return its counter, to hand back to {@link #release}; null when the client is at the limit
   *     (answer 429, nothing to release)
   */
  AtomicInteger acquire(String client) {
    for (; ; ) {
      AtomicInteger count = active.get(client);
      if (count == null) {
        count = new AtomicInteger(1);
        if (active.putIfAbsent(client, count) == null) {
          return count;
        }
        continue;
      }
      int n = count.get();
      if (n < 0) {
        active.remove(client, count); // dead: being removed
        continue;
      }
      if (n >= max) {
        return null;
      }
      if (count.compareAndSet(n, n + 1)) {
        return count;
      }
    }
  }

  /** A request that {@link #acquire} let through ended. */
  void release(String client, AtomicInteger count) {
    if (count.decrementAndGet() == 0 && count.compareAndSet(0, -1)) {
      active.remove(client, count);
    }
  }

  int max() {
    return max;
  }

  /** Requests in flight from {@code client} (for tests and metrics). */
  int active(String client) {
    AtomicInteger count = active.get(client);
    return count == null ? 0 : Math.max(0, count.get());
  }

  /** Addresses with a request in flight. */
  int clients() {
    return active.size();
  }
}
