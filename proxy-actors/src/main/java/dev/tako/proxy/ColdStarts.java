package dev.tako.proxy;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The waiting-room policy for requests to apps scaled to zero, shared by all event loops: at most
 * {@code maxWaiting} requests wait per app (the next get 503), the first of a group of waiting
 * requests wakes the app through the {@link ColdStarter} (later ones join that start), and a
 * waiting request ends with the app's first upstream, with 502 when the start failed after it began
 * waiting, or with 504 after {@code timeout}. Lock-free.
 */
public final class ColdStarts {
  /** What a waiting request does next. */
  public enum Outcome {
    WAIT,
    FORWARD,
    /** The app's start failed: 502. */
    FAILED,
    /** Not ready in time: 504. */
    TIMED_OUT,
    /** The route is gone (app removed or no longer cold): answer as for any request. */
    REROUTE
  }

  private final int maxWaiting;
  private final long timeoutNanos;
  private final ConcurrentHashMap<String, AtomicInteger> waiting = new ConcurrentHashMap<>();
  private final ColdStarter starter;

  public ColdStarts(int maxWaiting, Duration timeout, ColdStarter starter) {
    if (maxWaiting < 1) {
      throw new IllegalArgumentException("tako.proxy.cold-start.max-waiting must be positive");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("tako.proxy.cold-start.timeout must be positive");
    }
    this.maxWaiting = maxWaiting;
    this.timeoutNanos = timeout.toNanos();
    this.starter = starter;
  }

  /**
   * A request for a cold app wants to wait. False when {@code maxWaiting} already wait (answer
   * 503); otherwise it waits, and the first waiter of a group wakes the app.
   */
  public boolean enter(String appKey) {
    AtomicInteger count = waiting.computeIfAbsent(appKey, k -> new AtomicInteger());
    int now;
    do {
      now = count.get();
      if (now >= maxWaiting) {
        return false;
      }
    } while (!count.compareAndSet(now, now + 1));
    if (now == 0) {
      starter.wake(appKey);
    }
    return true;
  }

  /** A waiting request stopped waiting (forwarded, answered or gone). */
  public void leave(String appKey) {
    AtomicInteger count = waiting.get(appKey);
    if (count != null) {
      count.updateAndGet(n -> Math.max(0, n - 1));
    }
  }

  public int waiting(String appKey) {
    AtomicInteger count = waiting.get(appKey);
    return count == null ? 0 : count.get();
  }

  /**
   * What a waiting request does now.
   *
   * @param now the target its route matches now, or null when there is none
   * @param failuresAtEntry {@link Target#wakeFailures()} when it began waiting
   * @param waitedNanos how long it has waited
   */
  public Outcome check(Target now, long failuresAtEntry, long waitedNanos) {
    if (now == null || (!now.cold() && now.isEmpty())) {
      return Outcome.REROUTE;
    }
    if (!now.isEmpty()) {
      return Outcome.FORWARD;
    }
    if (now.wakeFailures() > failuresAtEntry) {
      return Outcome.FAILED;
    }
    if (waitedNanos >= timeoutNanos) {
      return Outcome.TIMED_OUT;
    }
    return Outcome.WAIT;
  }
}
