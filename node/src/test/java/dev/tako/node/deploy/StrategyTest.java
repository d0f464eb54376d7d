package dev.tako.node.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class StrategyTest {
  @Test
  void atomicIsOneBatchOfEveryServer() {
    assertEquals(List.of(List.of("a", "b", "c")), Strategy.ATOMIC.batches(List.of("a", "b", "c")));
  }

  @Test
  void rollingIsOneServerPerBatchInOrder() {
    assertEquals(
        List.of(List.of("canary"), List.of("a"), List.of("b")),
        Strategy.ROLLING.batches(List.of("canary", "a", "b")));
  }

  @Test
  void noServersNoBatches() {
    assertEquals(List.of(), Strategy.ATOMIC.batches(List.of()));
    assertEquals(List.of(), Strategy.ROLLING.batches(List.of()));
  }

  @Test
  void theWireNamesAndTheSaferDefault() {
    assertEquals(Strategy.ROLLING, Strategy.of("rolling"));
    assertEquals(Strategy.ATOMIC, Strategy.of("atomic"));
    assertEquals(Strategy.ATOMIC, Strategy.of(null));
    assertEquals(Strategy.ATOMIC, Strategy.of("blue-green"));
    assertEquals("rolling", Strategy.ROLLING.wireName());
  }
}
