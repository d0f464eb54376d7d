package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ColdStartsTest {
  private static final long SECOND = 1_000_000_000L;
  private final List<String> woken = new ArrayList<>();
  private final ColdStarts policy = new ColdStarts(3, Duration.ofSeconds(30), woken::add);
  private final Upstream up = new Upstream("127.0.0.1", 1234);

  @Test
  void theFirstWaiterWakesTheAppAndTheOthersJoinIt() {
    assertTrue(policy.enter("a"));
    assertTrue(policy.enter("a"));
    assertTrue(policy.enter("b"));
    assertEquals(List.of("a", "b"), woken);
    assertEquals(2, policy.waiting("a"));
  }

  @Test
  void beyondTheCapRequestsAreRefusedAndAfterTheGroupANewOneWakesAgain() {
    assertTrue(policy.enter("a"));
    assertTrue(policy.enter("a"));
    assertTrue(policy.enter("a"));
    assertFalse(policy.enter("a"));
    for (int i = 0; i < 3; i++) {
      policy.leave("a");
    }
    assertEquals(0, policy.waiting("a"));
    assertTrue(policy.enter("a"));
    assertEquals(List.of("a", "a"), woken);
  }

  @Test
  void aThousandConcurrentWaitersWakeOnce() throws Exception {
    AtomicInteger wakes = new AtomicInteger();
    ColdStarts big = new ColdStarts(1000, Duration.ofSeconds(30), k -> wakes.incrementAndGet());
    AtomicInteger admitted = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread thread =
          new Thread(
              () -> {
                for (int i = 0; i < 300; i++) {
                  if (big.enter("a")) {
                    admitted.incrementAndGet();
                  }
                }
              });
      thread.start();
      threads.add(thread);
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(1, wakes.get());
    assertEquals(1000, admitted.get());
  }

  @Test
  void outcomes() {
    Target cold = new Target("a", List.of(), true, 0);
    assertEquals(ColdStarts.Outcome.WAIT, policy.check(cold, 0, SECOND));
    assertEquals(ColdStarts.Outcome.TIMED_OUT, policy.check(cold, 0, 30 * SECOND));
    Target failed = new Target("a", List.of(), true, 1);
    assertEquals(ColdStarts.Outcome.FAILED, policy.check(failed, 0, SECOND));
    assertEquals(ColdStarts.Outcome.WAIT, policy.check(failed, 1, SECOND));
    assertEquals(
        ColdStarts.Outcome.FORWARD, policy.check(new Target("a", List.of(up), true, 0), 0, 0));
    assertEquals(
        ColdStarts.Outcome.FORWARD, policy.check(new Target("a", List.of(up), false, 0), 0, 0));
    assertEquals(ColdStarts.Outcome.REROUTE, policy.check(null, 0, 0));
    assertEquals(ColdStarts.Outcome.REROUTE, policy.check(new Target("a", List.of()), 0, 0));
  }

  @Test
  void limitsMustBePositive() {
    assertThrows(
        IllegalArgumentException.class, () -> new ColdStarts(0, Duration.ofSeconds(1), k -> {}));
    assertThrows(IllegalArgumentException.class, () -> new ColdStarts(1, Duration.ZERO, k -> {}));
  }
}
