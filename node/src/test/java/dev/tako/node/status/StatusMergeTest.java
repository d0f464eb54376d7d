package dev.tako.node.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.protocol.api.StatusView;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusMergeTest {
  private static StatusView.Member member(String server, String status) {
    return new StatusView.Member(server, server, "127.0.0.1:1", status, "1");
  }

  private static ServerStatus server(String server, String release) {
    var view =
        new StatusView.ServerAppView(
            server, server, release, 1, "http://127.0.0.1:1", false, List.of());
    return new ServerStatus(
        server,
        server,
        List.of(new ServerStatus.AppOnServer("hello", "production", List.of(), view)));
  }

  @Test
  void answersAreFreshAndTheLastKnownStateOfTheOthersIsStale() {
    var merged =
        StatusMerge.merge(
            List.of(member("la", "up"), member("nyc", "unreachable")),
            Map.of("la", server("la", "r2")),
            Map.of("la", server("la", "r1"), "nyc", server("nyc", "r1")));
    assertEquals(1, merged.apps().size());
    var servers = merged.apps().get(0).servers();
    assertEquals(2, servers.size());
    assertEquals("la", servers.get(0).server());
    assertEquals("r2", servers.get(0).release());
    assertFalse(servers.get(0).stale());
    assertEquals("nyc", servers.get(1).server());
    assertEquals("r1", servers.get(1).release());
    assertTrue(servers.get(1).stale());
    assertEquals("unreachable", merged.cluster().members().get(1).status());
  }

  @Test
  void aMemberNeverKnownIsListedWithoutApps() {
    var merged =
        StatusMerge.merge(
            List.of(member("la", "up"), member("nyc", "unreachable")),
            Map.of("la", server("la", "r2")),
            Map.of());
    assertEquals(2, merged.cluster().members().size());
    assertEquals(1, merged.apps().get(0).servers().size());
  }

  @Test
  void aServerThatIsNoMemberAnyMoreKeepsItsLastAppsAfterTheMembers() {
    var merged =
        StatusMerge.merge(
            List.of(member("la", "up")),
            Map.of("la", server("la", "r2")),
            Map.of("fra", server("fra", "r1")));
    var servers = merged.apps().get(0).servers();
    assertEquals(List.of("la", "fra"), servers.stream().map(s -> s.server()).toList());
    assertTrue(servers.get(1).stale());
    assertEquals(1, merged.cluster().members().size());
  }

  @Test
  void eachMemberCarriesTheNodeFiguresOfItsAnswerElseOfItsLastKnownState() {
    var fresh = new StatusView.NodeFigures(150_000_000, 40_000_000, 41, 12.5);
    var old = new StatusView.NodeFigures(140_000_000, 30_000_000, 40, 3.0);
    var merged =
        StatusMerge.merge(
            List.of(member("la", "up"), member("nyc", "unreachable"), member("fra", "up")),
            Map.of("la", new ServerStatus("la", "la", List.of(), null, fresh)),
            Map.of(
                "la", new ServerStatus("la", "la", List.of(), null, old),
                "nyc", new ServerStatus("nyc", "nyc", List.of(), null, old)));
    var members = merged.cluster().members();
    assertEquals(fresh, members.get(0).node());
    assertEquals(old, members.get(1).node());
    assertEquals(null, members.get(2).node());
  }
}
