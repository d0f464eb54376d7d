package dev.tako.supervisor;

import java.time.Duration;
import java.time.Instant;

/**
 * What becomes of an instance slot whose process failed (exited, could not start, or needs
 * replacement after failed health checks), and when a draining one gets its SIGTERM. Pure: the
 * {@link AppSupervisor} carries the answer out.
 */
final class ReplacementPolicy {

  /** The supervisor's answer to a failure. */
  enum AfterFailure {
    /** Already retiring: it is being stopped anyway. */
    NONE,
    /** A candidate not yet answered fails as a whole; the deploy hears why. */
    FAIL_CANDIDATE,
    /** Scaled to zero: no restart loop; the app goes cold and the next request starts it. */
    GO_COLD,
    /** Start it again after the {@link RestartPolicy} backoff. */
    RESTART
  }

  private ReplacementPolicy() {}

  /**
   * @param candidatePending a candidate is being started and has not been answered yet
   * @param desired the desired instance count of the current release
   */
  static AfterFailure afterFailure(Slot.Role role, boolean candidatePending, int desired) {
    if (role == Slot.Role.RETIRING) {
      return AfterFailure.NONE;
    }
    if (role == Slot.Role.CANDIDATE && candidatePending) {
      return AfterFailure.FAIL_CANDIDATE;
    }
    if (role == Slot.Role.CURRENT && desired == 0) {
      return AfterFailure.GO_COLD;
    }
    return AfterFailure.RESTART;
  }

  /**
   * A draining instance is stopped once no request is in flight to it, at the latest after the
   * drain timeout.
   */
  static boolean stopDraining(int inFlight, Instant since, Instant now, Duration drainTimeout) {
    return inFlight <= 0 || Duration.between(since, now).compareTo(drainTimeout) >= 0;
  }

  /** How long a drain that began at {@code since} may still wait for its requests (never < 0). */
  static Duration untilDrainTimeout(Instant since, Instant now, Duration drainTimeout) {
    Duration left = drainTimeout.minus(Duration.between(since, now));
    return left.isNegative() ? Duration.ZERO : left;
  }
}
