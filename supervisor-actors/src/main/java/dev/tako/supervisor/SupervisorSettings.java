package dev.tako.supervisor;

import com.typesafe.config.Config;
import dev.tako.protocol.ports.InstancePorts;
import java.time.Duration;
import java.util.Objects;

/**
 * Timers and thresholds of the app supervisor and its instances, read from {@code tako.supervisor}
 * (defaults in this module's {@code reference.conf}). Construction fails with {@link
 * IllegalArgumentException} on a non-positive duration or threshold, so a bad {@code node.conf}
 * stops the node at start rather than misbehaving later.
 */
public record SupervisorSettings(
    Duration probeInterval,
    Duration startingProbeInterval,
    Duration probeTimeout,
    Duration startTimeout,
    Duration stabilityWindow,
    int failuresToUnroute,
    int failuresToReplace,
    Duration drainDelay,
    Duration termGrace,
    Duration backoffMin,
    Duration backoffMax,
    Duration backoffReset,
    Duration drainTimeout,
    Duration coldProbeInterval,
    Duration idleCheckInterval,
    InstancePorts.PortRange instancePorts) {

  public SupervisorSettings {
    Objects.requireNonNull(instancePorts, "instancePorts");
    positive("probeInterval", probeInterval);
    positive("startingProbeInterval", startingProbeInterval);
    positive("probeTimeout", probeTimeout);
    positive("startTimeout", startTimeout);
    notNegative("stabilityWindow", stabilityWindow);
    notNegative("drainDelay", drainDelay);
    notNegative("drainTimeout", drainTimeout);
    positive("termGrace", termGrace);
    positive("backoffMin", backoffMin);
    positive("backoffMax", backoffMax);
    positive("backoffReset", backoffReset);
    positive("coldProbeInterval", coldProbeInterval);
    positive("idleCheckInterval", idleCheckInterval);
    if (failuresToUnroute < 1 || failuresToReplace < failuresToUnroute) {
      throw new IllegalArgumentException(
          "need 1 <= failures-to-unroute <= failures-to-replace, got "
              + failuresToUnroute
              + " and "
              + failuresToReplace);
    }
    if (backoffMax.compareTo(backoffMin) < 0) {
      throw new IllegalArgumentException("backoff-max must not be below backoff-min");
    }
  }

  /** Reads {@code tako.supervisor.*} from a config that includes this module's reference.conf. */
  public static SupervisorSettings fromConfig(Config config) {
    Config c = config.getConfig("tako.supervisor");
    return new SupervisorSettings(
        c.getDuration("probe-interval"),
        c.getDuration("starting-probe-interval"),
        c.getDuration("probe-timeout"),
        c.getDuration("start-timeout"),
        c.getDuration("stability-window"),
        c.getInt("failures-to-unroute"),
        c.getInt("failures-to-replace"),
        c.getDuration("drain-delay"),
        c.getDuration("term-grace"),
        c.getDuration("backoff-min"),
        c.getDuration("backoff-max"),
        c.getDuration("backoff-reset"),
        c.getDuration("drain-timeout"),
        c.getDuration("cold-probe-interval"),
        c.getDuration("idle-check-interval"),
        InstancePorts.PortRange.parse(c.getString("instance-ports")));
  }

  /**
   * For an instance started by a request to an app scaled to zero: readiness polled every {@code
   * coldProbeInterval}, no stability window (the request is waiting).
   */
  public SupervisorSettings forColdStart() {
    return new SupervisorSettings(
        probeInterval,
        coldProbeInterval,
        probeTimeout,
        startTimeout,
        Duration.ZERO,
        failuresToUnroute,
        failuresToReplace,
        drainDelay,
        termGrace,
        backoffMin,
        backoffMax,
        backoffReset,
        drainTimeout,
        coldProbeInterval,
        idleCheckInterval,
        instancePorts);
  }

  private static void positive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }

  private static void notNegative(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative, got " + d);
    }
  }
}
