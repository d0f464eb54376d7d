package dev.tako.cli.playground;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlaygroundStateTest {
  @TempDir Path dir;

  private static PlaygroundState.Node node(String name, long pid) {
    return new PlaygroundState.Node(
        name, name, pid, "/tmp/pg/" + name, 2201, 9801, 8001, 8401, 9101, 25501, null, 0, 0, 0, 0);
  }

  @Test
  void missingFileIsAnEmptyPlayground() throws Exception {
    assertEquals(List.of(), PlaygroundState.load(dir.resolve("nope.json")).servers());
  }

  @Test
  void saveAndLoadRoundTrip() throws Exception {
    PlaygroundState state = new PlaygroundState(List.of(node("la", 0), node("nyc", 1234)));
    Path file = dir.resolve("playground/playground.json");
    state.save(file);
    assertTrue(Files.readString(file).contains("\"cluster_port\" : 25501"), "snake_case keys");
    assertEquals(state, PlaygroundState.load(file));
    try (var files = Files.list(file.getParent())) {
      assertEquals(List.of(file), files.toList(), "no temp file left behind");
    }
    // Saving again replaces the file.
    PlaygroundState changed = state.with(node("la", 42));
    changed.save(file);
    assertEquals(changed, PlaygroundState.load(file));
  }

  @Test
  void loadIgnoresFieldsItDoesNotKnow() throws Exception {
    Path file = dir.resolve("playground.json");
    Files.writeString(
        file,
        """
        {"servers": [{"name": "la", "region": "la", "pid": 0, "home": "/h", "ssh_port": 1,
          "api_port": 2, "proxy_port": 3, "https_port": 4, "metrics_port": 5,
          "cluster_port": 6, "future": true}], "version": 2}
        """);
    PlaygroundState.Node n = PlaygroundState.load(file).node("la").orElseThrow();
    assertEquals(
        new PlaygroundState.Node("la", "la", 0, "/h", 1, 2, 3, 4, 5, 6, null, 0, 0, 0, 0), n);
  }

  @Test
  void withReplacesByNameInPlaceOrAppends() {
    PlaygroundState state = new PlaygroundState(List.of(node("la", 1), node("nyc", 2)));
    PlaygroundState replaced = state.with(node("la", 9));
    assertEquals(List.of(node("la", 9), node("nyc", 2)), replaced.servers());
    PlaygroundState added = state.with(node("fra", 3));
    assertEquals(List.of(node("la", 1), node("nyc", 2), node("fra", 3)), added.servers());
    assertEquals(List.of(node("la", 1), node("nyc", 2)), state.servers(), "immutable");
    assertEquals(9, replaced.node("la").orElseThrow().pid());
    assertTrue(state.node("sgp").isEmpty());
  }

  @Test
  void withPidChangesOnlyThePid() {
    PlaygroundState.Node n = node("la", 1);
    assertEquals(
        new PlaygroundState.Node(
            "la", "la", 7, "/tmp/pg/la", 2201, 9801, 8001, 8401, 9101, 25501, null, 0, 0, 0, 0),
        n.withPid(7));
  }

  @Test
  void runningOnlyForALiveProcess() throws Exception {
    assertFalse(node("la", 0).running());
    assertTrue(node("la", ProcessHandle.current().pid()).running());
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    assertFalse(node("la", p.pid()).running());
  }
}
