package dev.tako.supervisor;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HealthTrackerTest {

  private final HealthTracker fresh = new HealthTracker(2, 3, 0);

  @Test
  void unroutedAfterTwoFailuresReplacedAfterThree() {
    HealthTracker one = fresh.failure();
    assertTrue(one.routable());
    assertFalse(one.needsReplacement());
    HealthTracker two = one.failure();
    assertFalse(two.routable());
    assertFalse(two.needsReplacement());
    HealthTracker three = two.failure();
    assertFalse(three.routable());
    assertTrue(three.needsReplacement());
  }

  @Test
  void oneSuccessResets() {
    HealthTracker back = fresh.failure().failure().success();
    assertTrue(back.routable());
    assertFalse(back.failure().needsReplacement());
  }
}
