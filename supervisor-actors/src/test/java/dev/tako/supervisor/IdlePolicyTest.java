package dev.tako.supervisor;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.supervisor.IdlePolicy.Activity;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IdlePolicyTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final long SECOND = 1_000_000_000L;
  private static final long NOW = 1_000 * SECOND;

  /** The proxy's counts: requests in flight and last activity per port. */
  private static InFlight proxy(Map<Integer, Integer> counts, Map<Integer, Long> lastActive) {
    return new InFlight() {
      @Override
      public int count(int port) {
        return counts.getOrDefault(port, 0);
      }

      @Override
      public long lastActiveNanos(int port) {
        return lastActive.getOrDefault(port, Long.MIN_VALUE);
      }
    };
  }

  private static Activity readyAt(int port, long nanos) {
    return new Activity(true, port, nanos);
  }

  @Test
  void idleOnceReadyForTheTimeoutWithNoRequestSeen() {
    List<Activity> running = List.of(readyAt(20001, NOW - 30 * SECOND));
    assertTrue(IdlePolicy.idle(running, InFlight.NONE, NOW, TIMEOUT));
    assertFalse(
        IdlePolicy.idle(List.of(readyAt(20001, NOW - 29 * SECOND)), InFlight.NONE, NOW, TIMEOUT));
  }

  @Test
  void aRecentRequestKeepsItAwake() {
    List<Activity> running = List.of(readyAt(20001, NOW - 60 * SECOND));
    InFlight recent = proxy(Map.of(), Map.of(20001, NOW - 10 * SECOND));
    assertFalse(IdlePolicy.idle(running, recent, NOW, TIMEOUT));
    InFlight old = proxy(Map.of(), Map.of(20001, NOW - 31 * SECOND));
    assertTrue(IdlePolicy.idle(running, old, NOW, TIMEOUT));
  }

  @Test
  void aRequestInFlightKeepsItAwakeHoweverOld() {
    List<Activity> running = List.of(readyAt(20001, NOW - 600 * SECOND));
    InFlight busy = proxy(Map.of(20001, 1), Map.of(20001, NOW - 600 * SECOND));
    assertFalse(IdlePolicy.idle(running, busy, NOW, TIMEOUT));
  }

  @Test
  void nothingRunningOrNotRoutableOrNoPortIsNotIdle() {
    assertFalse(IdlePolicy.idle(List.of(), InFlight.NONE, NOW, TIMEOUT));
    long longAgo = NOW - 600 * SECOND;
    assertFalse(
        IdlePolicy.idle(List.of(new Activity(false, 20001, longAgo)), InFlight.NONE, NOW, TIMEOUT));
    assertFalse(IdlePolicy.idle(List.of(readyAt(0, longAgo)), InFlight.NONE, NOW, TIMEOUT));
  }

  @Test
  void everyRunningInstanceMustBeIdle() {
    List<Activity> running =
        List.of(readyAt(20001, NOW - 600 * SECOND), readyAt(20002, NOW - SECOND));
    assertFalse(IdlePolicy.idle(running, InFlight.NONE, NOW, TIMEOUT));
  }
}
