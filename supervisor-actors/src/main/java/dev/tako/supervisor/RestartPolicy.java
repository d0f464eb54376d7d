package dev.tako.supervisor;

import java.time.Duration;

/**
 * Restart backoff of one instance slot: {@code min} after the first failure, doubled per further
 * consecutive failure, capped at {@code max}. An instance that stayed ready for {@code resetAfter}
 * before failing starts its count afresh. From {@link #FAILED_AFTER} consecutive failures on the
 * slot is shown as {@code failed} (it keeps retrying at the capped backoff). Pure and immutable.
 */
public record RestartPolicy(Duration min, Duration max, Duration resetAfter) {

  /** Consecutive failures from which a slot reports the state {@code failed}. */
  public static final int FAILED_AFTER = 3;

  public static RestartPolicy of(SupervisorSettings settings) {
    return new RestartPolicy(settings.backoffMin(), settings.backoffMax(), settings.backoffReset());
  }

  /**
   * The consecutive failure count after one more failure.
   *
   * @param previous failures counted before this one
   * @param readyFor how long the instance had been ready when it failed ({@link Duration#ZERO} if
   *     it never became ready)
   */
  public int afterFailure(int previous, Duration readyFor) {
    return readyFor.compareTo(resetAfter) >= 0 ? 1 : previous + 1;
  }

  /** Delay before the next start after {@code consecutiveFailures} (at least 1) failures. */
  public Duration delay(int consecutiveFailures) {
    Duration d = min;
    for (int i = 1; i < consecutiveFailures && d.compareTo(max) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(max) > 0 ? max : d;
  }

  public boolean failed(int consecutiveFailures) {
    return consecutiveFailures >= FAILED_AFTER;
  }
}
