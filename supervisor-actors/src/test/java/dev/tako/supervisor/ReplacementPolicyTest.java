package dev.tako.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.supervisor.ReplacementPolicy.AfterFailure;
import dev.tako.supervisor.Slot.Role;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReplacementPolicyTest {

  @Test
  void aRetiringInstanceIsStoppedAnyway() {
    assertEquals(AfterFailure.NONE, ReplacementPolicy.afterFailure(Role.RETIRING, true, 0));
    assertEquals(AfterFailure.NONE, ReplacementPolicy.afterFailure(Role.RETIRING, false, 2));
  }

  @Test
  void aCandidateNotYetAnsweredFailsAsAWhole() {
    assertEquals(
        AfterFailure.FAIL_CANDIDATE, ReplacementPolicy.afterFailure(Role.CANDIDATE, true, 2));
    assertEquals(
        AfterFailure.FAIL_CANDIDATE, ReplacementPolicy.afterFailure(Role.CANDIDATE, true, 0));
  }

  @Test
  void aReadyCandidateRestartsLikeACurrentInstance() {
    assertEquals(AfterFailure.RESTART, ReplacementPolicy.afterFailure(Role.CANDIDATE, false, 2));
    assertEquals(AfterFailure.RESTART, ReplacementPolicy.afterFailure(Role.CANDIDATE, false, 0));
  }

  @Test
  void aCurrentInstanceRestartsUnlessScaledToZero() {
    assertEquals(AfterFailure.RESTART, ReplacementPolicy.afterFailure(Role.CURRENT, false, 1));
    assertEquals(AfterFailure.RESTART, ReplacementPolicy.afterFailure(Role.CURRENT, true, 3));
    assertEquals(AfterFailure.GO_COLD, ReplacementPolicy.afterFailure(Role.CURRENT, false, 0));
    assertEquals(AfterFailure.GO_COLD, ReplacementPolicy.afterFailure(Role.CURRENT, true, 0));
  }

  @Test
  void drainingStopsWhenNothingIsInFlightOrAtTheTimeout() {
    Instant since = Instant.parse("2026-01-01T00:00:00Z");
    Duration timeout = Duration.ofSeconds(30);
    assertTrue(ReplacementPolicy.stopDraining(0, since, since, timeout));
    assertFalse(ReplacementPolicy.stopDraining(2, since, since.plusSeconds(29), timeout));
    assertTrue(ReplacementPolicy.stopDraining(2, since, since.plusSeconds(30), timeout));
  }

  @Test
  void aDrainWaitsForItsRequestsAtMostUntilTheTimeout() {
    Instant since = Instant.parse("2026-01-01T00:00:00Z");
    Duration timeout = Duration.ofSeconds(30);
    assertEquals(timeout, ReplacementPolicy.untilDrainTimeout(since, since, timeout));
    assertEquals(
        Duration.ofSeconds(1),
        ReplacementPolicy.untilDrainTimeout(since, since.plusSeconds(29), timeout));
    assertEquals(
        Duration.ZERO, ReplacementPolicy.untilDrainTimeout(since, since.plusSeconds(31), timeout));
  }
}
