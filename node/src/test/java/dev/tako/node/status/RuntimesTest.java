package dev.tako.node.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.protocol.Json;
import dev.tako.protocol.api.StatusView;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RuntimesTest {
  @Test
  void versionsAreTheFirstLineWithoutTheV() {
    assertEquals(Optional.of("20.20.2"), Runtimes.parse("v20.20.2\n"));
    assertEquals(Optional.of("1.1.38"), Runtimes.parse("1.1.38\n"));
    assertEquals(Optional.of("23.0.0-nightly2024"), Runtimes.parse("v23.0.0-nightly2024"));
    assertEquals(Optional.empty(), Runtimes.parse("command not found"));
    assertEquals(Optional.empty(), Runtimes.parse(""));
  }

  @Test
  void detectsTheNodeOnThePath() throws Exception {
    Map<String, String> found = Runtimes.detect();
    var p = new ProcessBuilder("node", "--version").start();
    String expected = new String(p.getInputStream().readAllBytes()).strip().substring(1);
    assertEquals(expected, found.get("node"));
    assertTrue(found.keySet().stream().allMatch(Runtimes.PROGRAMS::contains));
  }

  @Test
  void membersCarryTheRuntimesOfTheirAnswerOrLastKnownState() {
    var la = new StatusView.Member("la", "la", "a", "up", "1");
    var nyc = new StatusView.Member("nyc", "nyc", "b", "unreachable", "1");
    var fra = new StatusView.Member("fra", "fra", "c", "up", "1");
    var merged =
        StatusMerge.merge(
            List.of(la, nyc, fra),
            Map.of("la", new ServerStatus("la", "la", List.of(), Map.of("node", "22.1.0"))),
            Map.of(
                "la", new ServerStatus("la", "la", List.of(), Map.of("node", "20.0.0")),
                "nyc", new ServerStatus("nyc", "nyc", List.of(), Map.of("bun", "1.1.38"))));
    var members = merged.cluster().members();
    assertEquals(Map.of("node", "22.1.0"), members.get(0).runtimes());
    assertEquals(Map.of("bun", "1.1.38"), members.get(1).runtimes());
    assertEquals(null, members.get(2).runtimes());
    // SPEC §10: "runtimes": {"node": "…"} per member; left out while unknown.
    String json = Json.write(merged.cluster());
    assertTrue(json.contains("\"runtimes\":{\"node\":\"22.1.0\"}"), json);
    assertTrue(
        json.contains(
            "{\"server\":\"fra\",\"region\":\"fra\",\"address\":\"c\",\"status\":\"up\",\"version\":\"1\"}"),
        json);
  }
}
