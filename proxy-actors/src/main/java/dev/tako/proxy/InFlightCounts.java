package dev.tako.proxy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests (and upgraded connections) in flight to each upstream, counted by the proxy's event
 * loops, and when each upstream last started or finished one: a draining app instance is stopped
 * once its count is 0 (DESIGN.md: drain until in-flight requests finish), and an instance of an app
 * scaled to zero once it has been idle for the app's idle timeout. Lock-free: one counter per
 * upstream, created on first use. {@link #whenIdle} signals the end of the last request (a drain
 * waits for it without polling).
 */
public final class InFlightCounts {
  private static final class Counter {
    final AtomicInteger count = new AtomicInteger();
    volatile long lastActive = System.nanoTime();
    // Run once each when the count drops to 0; whoever polls one out runs it.
    final ConcurrentLinkedQueue<Runnable> whenIdle = new ConcurrentLinkedQueue<>();

    void runWhenIdle() {
      Runnable r;
      while ((r = whenIdle.poll()) != null) {
        try {
          r.run();
        } catch (RuntimeException e) {
          // a listener's failure must not break the event loop that ended a request
        }
      }
    }
  }

  private final ConcurrentHashMap<Upstream, Counter> counts = new ConcurrentHashMap<>();

  /** {@code now}: the event loop's {@link System#nanoTime()} of the event. */
  void started(Upstream u, long now) {
    Counter c = counts.computeIfAbsent(u, k -> new Counter());
    c.count.incrementAndGet();
    c.lastActive = now;
  }

  void ended(Upstream u, long now) {
    Counter c = counts.get(u);
    if (c != null) {
      int left = c.count.decrementAndGet();
      c.lastActive = now;
      if (left <= 0 && !c.whenIdle.isEmpty()) {
        c.runWhenIdle();
      }
    }
  }

  /**
   * Runs {@code idle} once, on an event loop or the caller's thread, when no request is in flight
   * to the upstream: at once if none is now, else when the last one ends. It must be cheap and
   * never block.
   */
  public void whenIdle(String host, int port, Runnable idle) {
    Counter c = counts.computeIfAbsent(new Upstream(host, port), k -> new Counter());
    c.whenIdle.add(idle);
    // Added before reading the count, as ended() counts down before looking for listeners: one of
    // the two always sees the other, so no signal is lost.
    if (c.count.get() <= 0) {
      c.runWhenIdle();
    }
  }

  public int count(String host, int port) {
    return count(new Upstream(host, port));
  }

  /** The hot path's lookup (no allocation). */
  int count(Upstream u) {
    Counter c = counts.get(u);
    return c == null ? 0 : Math.max(0, c.count.get());
  }

  /**
   * {@link System#nanoTime()} when a request to the upstream last started or ended, or {@link
   * Long#MIN_VALUE} when it never had one.
   */
  public long lastActiveNanos(String host, int port) {
    Counter c = counts.get(new Upstream(host, port));
    return c == null ? Long.MIN_VALUE : c.lastActive;
  }
}
