package dev.tako.supervisor;

/**
 * How many requests are in flight to an instance, as the node's proxy counts them: a draining
 * instance is stopped as soon as this is 0. This module does not know the proxy; the node adapts.
 */
@FunctionalInterface
public interface InFlight {
  InFlight NONE = port -> 0;

  /** Requests in flight to 127.0.0.1:port. */
  int count(int port);

  /**
   * {@link System#nanoTime()} when a request to 127.0.0.1:port last started or ended; {@link
   * Long#MIN_VALUE} when unknown (then only the time since the instance became ready counts).
   */
  default long lastActiveNanos(int port) {
    return Long.MIN_VALUE;
  }

  /**
   * Runs {@code idle} once, on any thread, when no request is in flight to 127.0.0.1:port: at once
   * if none is now, else when the last one ends. A draining instance is stopped on this signal
   * instead of polling {@link #count}. This default suits counts that never change (it runs {@code
   * idle} at once or never); the proxy's adapter signals from its event loop, so {@code idle} must
   * be cheap and never block (an actor's tell).
   */
  default void whenIdle(int port, Runnable idle) {
    if (count(port) <= 0) {
      idle.run();
    }
  }
}
