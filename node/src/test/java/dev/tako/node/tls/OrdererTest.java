package dev.tako.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OrdererTest {
  static final List<String> SERVERS = List.of("nyc", "la", "fra");

  @Test
  void theFirstServerOfTheListThatIsUpOrdersOnEveryNode() {
    assertEquals("nyc", Orderer.of(SERVERS, Set.of("nyc", "fra"), "la"));
    assertEquals("nyc", Orderer.of(SERVERS, Set.of("la", "fra"), "nyc"));
    assertEquals("nyc", Orderer.of(SERVERS, Set.of("nyc", "la"), "fra"));
  }

  @Test
  void theNextOneTakesOverWhileTheFirstIsDown() {
    assertEquals("la", Orderer.of(SERVERS, Set.of("fra"), "la"));
    assertEquals("la", Orderer.of(SERVERS, Set.of("la"), "fra"));
    assertEquals("fra", Orderer.of(SERVERS, Set.of(), "fra"));
  }

  @Test
  void aHostOfNoKnownEnvironmentIsThisNodesOwn() {
    assertEquals("la", Orderer.of(List.of(), Set.of("nyc"), "la"));
    assertEquals("sgp", Orderer.of(SERVERS, Set.of(), "sgp"));
  }
}
