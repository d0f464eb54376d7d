package dev.tako.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RestartPolicyTest {

  private final RestartPolicy policy =
      new RestartPolicy(Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofSeconds(60));

  @Test
  void backoffDoublesFromMinUpToMax() {
    assertEquals(Duration.ofMillis(500), policy.delay(1));
    assertEquals(Duration.ofSeconds(1), policy.delay(2));
    assertEquals(Duration.ofSeconds(2), policy.delay(3));
    assertEquals(Duration.ofSeconds(16), policy.delay(6));
    assertEquals(Duration.ofSeconds(30), policy.delay(7));
    assertEquals(Duration.ofSeconds(30), policy.delay(1000));
  }

  @Test
  void zeroFailuresWaitsTheMinimum() {
    assertEquals(Duration.ofMillis(500), policy.delay(0));
  }

  @Test
  void failuresCountUpUnlessTheInstanceStayedReadyLongEnough() {
    assertEquals(1, policy.afterFailure(0, Duration.ZERO));
    assertEquals(4, policy.afterFailure(3, Duration.ofSeconds(59)));
    assertEquals(1, policy.afterFailure(5, Duration.ofSeconds(60)));
    assertEquals(1, policy.afterFailure(5, Duration.ofMinutes(10)));
  }

  @Test
  void failedFromThreeConsecutiveFailures() {
    assertFalse(policy.failed(2));
    assertTrue(policy.failed(3));
    assertTrue(policy.failed(4));
  }

  @Test
  void readsTheSettings() {
    SupervisorSettings s = SupervisorTesting.settings();
    RestartPolicy p = RestartPolicy.of(s);
    assertEquals(s.backoffMin(), p.min());
    assertEquals(s.backoffMax(), p.max());
    assertEquals(s.backoffReset(), p.resetAfter());
  }
}
