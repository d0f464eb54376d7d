package dev.tako.cli.playground;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.cli.playground.WanTable.Endpoint;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WanTableTest {
  @Test
  void theSpecsRoundTripsBothWays() {
    assertEquals(70, WanTable.roundTripMillis("la", "nyc"));
    assertEquals(150, WanTable.roundTripMillis("fra", "la"));
    assertEquals(170, WanTable.roundTripMillis("la", "sgp"));
    assertEquals(80, WanTable.roundTripMillis("nyc", "fra"));
    assertEquals(230, WanTable.roundTripMillis("sgp", "nyc"));
    assertEquals(160, WanTable.roundTripMillis("fra", "sgp"));
    assertEquals(0, WanTable.roundTripMillis("nyc", "nyc"));
    assertEquals(0, WanTable.roundTripMillis("la", "mars"), "a pair the table does not name");
  }

  @Test
  void eachDirectionCostsHalfTheRoundTripOnlyWithWan() {
    assertEquals(35_000_000L, WanTable.oneWayNanos(true, Endpoint.node("nyc"), "la"));
    assertEquals(85_000_000L, WanTable.oneWayNanos(true, Endpoint.CLI, "sgp"));
    assertEquals(0, WanTable.oneWayNanos(true, Endpoint.CLI, "la"), "the CLI is in la");
    assertEquals(0, WanTable.oneWayNanos(false, Endpoint.node("nyc"), "sgp"));
  }

  @Test
  void aPartitionCutsTheRegionFromEveryOtherAndFromTheCli() {
    Set<String> nyc = Set.of("nyc");
    assertTrue(WanTable.cut(nyc, Endpoint.node("la"), "nyc"));
    assertTrue(WanTable.cut(nyc, Endpoint.node("nyc"), "fra"));
    assertTrue(WanTable.cut(nyc, Endpoint.CLI, "nyc"));
    assertFalse(WanTable.cut(nyc, Endpoint.CLI, "la"));
    assertFalse(WanTable.cut(nyc, Endpoint.node("la"), "fra"));
    assertFalse(WanTable.cut(nyc, Endpoint.node("nyc"), "nyc"), "a region with itself");
    assertFalse(WanTable.cut(Set.of(), Endpoint.CLI, "nyc"));
  }

  @Test
  void partitioningLaCutsTheCliFromTheLaNodeButNotFromOthers() {
    Set<String> la = Set.of("la");
    assertTrue(WanTable.cut(la, Endpoint.CLI, "la"));
    assertTrue(WanTable.cut(la, Endpoint.node("la"), "nyc"));
    assertFalse(WanTable.cut(la, Endpoint.CLI, "nyc"));
  }

  @Test
  void twoPartitionedRegionsAreCutFromEachOtherToo() {
    assertTrue(WanTable.cut(Set.of("nyc", "fra"), Endpoint.node("nyc"), "fra"));
  }
}
