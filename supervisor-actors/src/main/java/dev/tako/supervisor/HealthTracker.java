package dev.tako.supervisor;

/**
 * Consecutive failed health probes of one ready instance and what they mean: out of the endpoints
 * from {@code failuresToUnroute}, replaced from {@code failuresToReplace}; one success resets it.
 * Immutable; each probe result yields the next tracker.
 */
public record HealthTracker(int failuresToUnroute, int failuresToReplace, int failures) {

  public static HealthTracker of(SupervisorSettings settings) {
    return new HealthTracker(settings.failuresToUnroute(), settings.failuresToReplace(), 0);
  }

  public HealthTracker success() {
    return new HealthTracker(failuresToUnroute, failuresToReplace, 0);
  }

  public HealthTracker failure() {
    return new HealthTracker(failuresToUnroute, failuresToReplace, failures + 1);
  }

  /** Whether the instance may receive traffic. */
  public boolean routable() {
    return failures < failuresToUnroute;
  }

  public boolean needsReplacement() {
    return failures >= failuresToReplace;
  }
}
