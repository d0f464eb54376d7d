package dev.tako.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SupervisorSettingsTest {

  @Test
  void referenceConfHoldsTheDesignDefaults() {
    SupervisorSettings s = SupervisorSettings.fromConfig(ConfigFactory.defaultReference());
    assertEquals(Duration.ofSeconds(1), s.probeInterval());
    assertEquals(Duration.ofMillis(100), s.startingProbeInterval());
    assertEquals(Duration.ofSeconds(2), s.probeTimeout());
    assertEquals(Duration.ofSeconds(30), s.startTimeout());
    assertEquals(Duration.ofSeconds(2), s.stabilityWindow());
    assertEquals(2, s.failuresToUnroute());
    assertEquals(3, s.failuresToReplace());
    assertEquals(Duration.ofMillis(300), s.drainDelay());
    assertEquals(Duration.ofSeconds(30), s.drainTimeout());
    assertEquals(Duration.ofSeconds(10), s.termGrace());
    assertEquals(Duration.ofMillis(500), s.backoffMin());
    assertEquals(Duration.ofSeconds(30), s.backoffMax());
    assertEquals(Duration.ofSeconds(60), s.backoffReset());
  }

  @Test
  void nodeConfOverridesDefaults() {
    SupervisorSettings s =
        SupervisorSettings.fromConfig(
            ConfigFactory.parseString(
                    "tako.supervisor { drain-delay = 5s, failures-to-replace = 4 }")
                .withFallback(ConfigFactory.defaultReference()));
    assertEquals(Duration.ofSeconds(5), s.drainDelay());
    assertEquals(4, s.failuresToReplace());
  }

  @Test
  void rejectsNonsense() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SupervisorSettings.fromConfig(
                ConfigFactory.parseString("tako.supervisor.probe-interval = 0s")
                    .withFallback(ConfigFactory.defaultReference())));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SupervisorSettings.fromConfig(
                ConfigFactory.parseString("tako.supervisor.failures-to-replace = 1")
                    .withFallback(ConfigFactory.defaultReference())));
  }
}
