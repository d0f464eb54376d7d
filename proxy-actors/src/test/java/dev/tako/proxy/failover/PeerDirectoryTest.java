package dev.tako.proxy.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PeerDirectoryTest {
  private static final PeerProxy NYC = new PeerProxy("nyc", "nyc", "127.0.0.3", 4001, 70_000_000);
  private static final PeerProxy FRA = new PeerProxy("fra", "fra", "127.0.0.4", 4002, 150_000_000);
  private static final PeerProxy SGP =
      new PeerProxy("sgp-1", "sgp", "127.0.0.5", 4003, Long.MAX_VALUE);

  private final PeerDirectory directory =
      PeerDirectory.of(
          Map.of(
              FRA, Set.of("hello/production", "api/production"),
              NYC, Set.of("hello/production"),
              SGP, Set.of("hello/production", "api/staging")));

  @Test
  void peersWithAReadyInstanceComeNearestFirstAndUnmeasuredLast() {
    assertEquals(List.of(NYC, FRA, SGP), directory.ready("hello/production"));
    assertEquals(NYC, directory.nearest("hello/production").orElseThrow());
    assertEquals(FRA, directory.nearest("api/production").orElseThrow());
  }

  @Test
  void anEnvironmentIsItsOwnApp() {
    assertEquals(List.of(SGP), directory.ready("api/staging"));
    assertTrue(directory.ready("api/preview").isEmpty());
    assertTrue(PeerDirectory.EMPTY.nearest("hello/production").isEmpty());
  }

  @Test
  void aReplayNamesAServerOrARegion() {
    assertEquals(FRA, directory.named("fra").orElseThrow());
    assertEquals(SGP, directory.named("sgp").orElseThrow());
    assertEquals(SGP, directory.named("SGP-1").orElseThrow());
    assertTrue(directory.named("syd").isEmpty());
  }

  @Test
  void aPeerNeedsANameAHostAndAPort() {
    assertThrows(IllegalArgumentException.class, () -> new PeerProxy("", "r", "h", 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new PeerProxy("a", "r", "h", 0, 0));
  }
}
