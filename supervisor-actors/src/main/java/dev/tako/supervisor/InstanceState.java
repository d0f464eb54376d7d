package dev.tako.supervisor;

import java.util.Locale;

/**
 * What {@code tako status} shows for one instance slot. The supervisor keeps it as this enum; only
 * the JSON edge ({@link AppSupervisor.InstanceStatus#toView}) turns it into the lower-case word of
 * SPEC §5.
 */
public enum InstanceState {
  /** Its process is starting, or restarting after a failure (with backoff). */
  STARTING,
  /** Its process passed the readiness probe and the stability window. */
  READY,
  /** Out of the endpoints, waiting for requests in flight before its SIGTERM. */
  DRAINING,
  /** Its process is gone and the slot will not start another. */
  STOPPED,
  /** {@link RestartPolicy#FAILED_AFTER} failures in a row; it keeps retrying with backoff. */
  FAILED;

  /** The word {@code tako status} prints: starting, ready, draining, stopped or failed. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
