package dev.tako.node.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.proxy.AppRoutes;
import dev.tako.proxy.RouteSnapshot;
import dev.tako.proxy.Upstream;
import dev.tako.proxy.failover.PeerDirectory;
import dev.tako.proxy.failover.PeerProxy;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PeerTableTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void onlyAppsWithAReadyInstanceAreReadyHere() {
    RouteSnapshot routes =
        RouteSnapshot.of(
            Map.of(
                "hello/production",
                new AppRoutes(List.of("hello.localhost"), List.of(new Upstream("127.0.0.1", 3000))),
                "down/production",
                new AppRoutes(List.of("down.localhost"), List.of()),
                "cold/production",
                new AppRoutes(List.of("cold.localhost"), List.of(), true, 0)));
    assertEquals(Set.of("hello/production"), PeerTable.readyHere(routes));
  }

  @Test
  void peersAreOrderedByMeasuredRoundTripAndForgottenWhenSilent() {
    PeerTable table = new PeerTable();
    table.announced("nyc", "nyc", "127.0.0.3", 4001, Set.of("hello/production"), 0);
    table.announced("fra", "fra", "127.0.0.4", 4002, Set.of("hello/production"), 0);
    table.measured("fra", 20_000_000);
    table.measured("nyc", 70_000_000);
    PeerDirectory d = table.directory(SECOND, 4 * SECOND);
    assertEquals(
        List.of("fra", "nyc"),
        d.ready("hello/production").stream().map(PeerProxy::server).toList());
    assertEquals(20_000_000, d.nearest("hello/production").orElseThrow().rttNanos());

    // fra goes quiet; nyc announces that it no longer has the app, then has it again.
    table.announced("nyc", "nyc", "127.0.0.3", 4001, Set.of(), 3 * SECOND);
    assertTrue(table.directory(5 * SECOND, 4 * SECOND).ready("hello/production").isEmpty());
    table.announced("nyc", "nyc", "127.0.0.3", 4001, Set.of("hello/production"), 6 * SECOND);
    PeerDirectory later = table.directory(6 * SECOND, 4 * SECOND);
    assertEquals(List.of("nyc"), later.peers().stream().map(PeerProxy::server).toList());
    assertEquals(70_000_000, later.nearest("hello/production").orElseThrow().rttNanos());

    table.gone("nyc");
    assertTrue(table.directory(6 * SECOND, 4 * SECOND).peers().isEmpty());
  }

  @Test
  void theNextExpiryIsTheEarliestLivePeersLastAnnouncementPlusTheExpiry() {
    PeerTable table = new PeerTable();
    assertEquals(Long.MAX_VALUE, table.nextExpiry(0, 4 * SECOND));
    table.announced("nyc", "nyc", "127.0.0.3", 4001, Set.of(), 0);
    table.announced("fra", "fra", "127.0.0.4", 4002, Set.of(), 2 * SECOND);
    assertEquals(4 * SECOND, table.nextExpiry(SECOND, 4 * SECOND));
    // nyc expired at 4 s: fra's expiry comes next, then none
    assertEquals(6 * SECOND, table.nextExpiry(5 * SECOND, 4 * SECOND));
    assertEquals(Long.MAX_VALUE, table.nextExpiry(7 * SECOND, 4 * SECOND));
  }
}
