package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InFlightCountsTest {
  private final InFlightCounts counts = new InFlightCounts();
  private final Upstream u = new Upstream("127.0.0.1", 20001);

  @Test
  void anUpstreamWithNothingInFlightIsIdleAtOnce() {
    AtomicInteger signals = new AtomicInteger();
    counts.whenIdle("127.0.0.1", 20001, signals::incrementAndGet);
    assertEquals(1, signals.get());
  }

  @Test
  void theLastRequestToEndSignalsOnceAndOnlyForItsUpstream() {
    AtomicInteger signals = new AtomicInteger();
    counts.started(u, 1);
    counts.started(u, 2);
    counts.started(new Upstream("127.0.0.1", 20002), 3);
    counts.whenIdle("127.0.0.1", 20001, signals::incrementAndGet);
    counts.ended(u, 4);
    assertEquals(0, signals.get());
    counts.ended(u, 5);
    assertEquals(1, signals.get());
    counts.started(u, 6);
    counts.ended(u, 7);
    assertEquals(1, signals.get());
    assertEquals(1, counts.count("127.0.0.1", 20002));
  }
}
