package dev.tako.node.releases;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tako.protocol.api.ReleasesView;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReleaseHistoryTest {
  @Test
  void mergesServersNewestFirstWithWhereEachIsCurrent() {
    Map<String, List<ReleaseHistory.Known>> byServer = new LinkedHashMap<>();
    byServer.put(
        "nyc",
        List.of(
            new ReleaseHistory.Known("r1111111111", "2026-11-27T10:00:00Z", "ann@a", false),
            new ReleaseHistory.Known("r2222222222", "2026-11-27T11:00:00Z", "bob@b", true)));
    byServer.put(
        "la",
        List.of(new ReleaseHistory.Known("r1111111111", "2026-11-27T10:00:00Z", "ann@a", true)));
    ReleasesView view = ReleaseHistory.merge(byServer);
    assertEquals(2, view.releases().size());
    ReleasesView.Release newest = view.releases().get(0);
    assertEquals("r2222222222", newest.id());
    assertEquals(List.of("nyc"), newest.servers());
    assertEquals(List.of("nyc"), newest.currentOn());
    ReleasesView.Release older = view.releases().get(1);
    assertEquals(List.of("la", "nyc"), older.servers());
    assertEquals(List.of("la"), older.currentOn());
    assertEquals("ann@a", older.by());
  }
}
