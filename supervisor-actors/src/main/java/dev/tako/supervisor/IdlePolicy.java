package dev.tako.supervisor;

import java.time.Duration;
import java.util.List;

/**
 * Whether an app scaled to zero has been idle long enough to stop its instance: every running
 * instance is routable, has no request in flight, and neither became ready nor saw a request for
 * the release's idle timeout. Pure: times are {@link System#nanoTime()} values passed in.
 */
final class IdlePolicy {

  /** What the policy needs of one running instance. */
  record Activity(boolean routable, int port, long readyNanos) {}

  private IdlePolicy() {}

  /**
   * @param running the instances of the current release (none: nothing to stop, not idle)
   * @param inFlight the proxy's view of requests per instance port
   */
  static boolean idle(List<Activity> running, InFlight inFlight, long nowNanos, Duration timeout) {
    long idleNanos = timeout.toNanos();
    return !running.isEmpty()
        && running.stream()
            .allMatch(
                a -> {
                  if (!a.routable() || a.port() <= 0 || inFlight.count(a.port()) > 0) {
                    return false;
                  }
                  long last = Math.max(a.readyNanos(), inFlight.lastActiveNanos(a.port()));
                  return nowNanos - last >= idleNanos;
                });
  }
}
