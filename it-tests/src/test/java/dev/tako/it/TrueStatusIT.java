package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §11, true status: after {@code kill -9} of the nyc node, {@code tako status --json} (asked
 * from la, which never answered a status query before) shows nyc unreachable within 10 s, returns
 * within 2 s (3 s allowed for a loaded machine: the wall time includes the CLI's JVM start) and
 * lists nyc's app from the last known state, marked stale; once nyc is started again it is up and
 * fresh.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrueStatusIT {
  static final List<String> REGIONS = List.of("la", "nyc");
  static final String DEAD = "nyc";

  @TempDir static Path tmp;
  LocalPlayground playground;

  @BeforeAll
  void up() throws Exception {
    playground = LocalPlayground.up(tmp, REGIONS);
  }

  @AfterAll
  void down() throws Exception {
    playground.down();
  }

  @Test
  void aKilledNodeIsUnreachableWithinTenSecondsAndStatusStaysFast() throws Exception {
    TakoCli tako = playground.tako;
    Path app = Apps.write(tmp.resolve("hello"), "hello", "hi", "", REGIONS);
    TakoCli.Result deploy = tako.run(app, "deploy", "--json");
    assertEquals(0, deploy.exit(), deploy::toString);
    String release = deploy.json().get("release").asText();
    // No status query before the kill: la knows nyc's apps from its background refresh alone.
    Thread.sleep(13_000);

    long killedAt = System.nanoTime();
    ProcessHandle.of(playground.nodePids.get(DEAD)).orElseThrow().destroyForcibly();
    List<Long> walls = new ArrayList<>();
    JsonNode view = null;
    long detectedMs = -1;
    while (System.nanoTime() - killedAt < Duration.ofSeconds(20).toNanos()) {
      long t0 = System.nanoTime();
      TakoCli.Result status = tako.run(tmp, Duration.ofSeconds(30), "status", "--json");
      walls.add((System.nanoTime() - t0) / 1_000_000);
      assertEquals(0, status.exit(), status::toString);
      if (memberStatus(status.json(), DEAD).equals("unreachable")) {
        view = status.json();
        detectedMs = (System.nanoTime() - killedAt) / 1_000_000;
        break;
      }
    }
    System.out.println(
        "TrueStatusIT: "
            + DEAD
            + " unreachable after "
            + detectedMs
            + " ms; status wall times "
            + walls
            + " ms while it was dead");
    assertNotNull(view, "still not unreachable 20 s after the kill; status took " + walls);
    assertTrue(detectedMs <= 10_000, "unreachable only after " + detectedMs + " ms");
    assertEquals("up", memberStatus(view, "la"), view::toString);
    JsonNode entry = serverEntry(view, "hello", DEAD);
    assertNotNull(entry, "no last known state of " + DEAD + ": " + view);
    assertTrue(entry.path("stale").asBoolean(), view::toString);
    assertEquals(release, entry.get("release").asText(), view::toString);
    assertFalse(serverEntry(view, "hello", "la").path("stale").asBoolean(), view::toString);

    // Once it is known dead, status never waits on it.
    List<Long> deadWalls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      TakoCli.Result status = tako.run(tmp, Duration.ofSeconds(30), "status", "--json");
      deadWalls.add((System.nanoTime() - t0) / 1_000_000);
      assertEquals(0, status.exit(), status::toString);
      assertEquals("unreachable", memberStatus(status.json(), DEAD), status::toString);
    }
    TakoCli.Result human = tako.run(tmp, Duration.ofSeconds(30), "status");
    System.out.println(
        "TrueStatusIT: status wall times with "
            + DEAD
            + " unreachable "
            + deadWalls
            + " ms\n"
            + human.out());
    assertTrue(human.out().contains("(stale"), human::toString);
    for (long wall : walls) {
      assertTrue(wall <= 3_000, "status took " + walls + " ms while " + DEAD + " was dead");
    }
    for (long wall : deadWalls) {
      assertTrue(wall <= 3_000, "status took " + deadWalls + " ms with " + DEAD + " unreachable");
    }

    // Started again (which also stops the app processes the killed node left): up and fresh.
    TakoCli.Result start = tako.run(tmp, "playground", "start", DEAD);
    assertEquals(0, start.exit(), start::toString);
    playground.nodePids.put(DEAD, pid(tako, DEAD));
    long restartedAt = System.nanoTime();
    JsonNode fresh = null;
    while (System.nanoTime() - restartedAt < Duration.ofSeconds(90).toNanos()) {
      TakoCli.Result status = tako.run(tmp, Duration.ofSeconds(30), "status", "--json");
      if (status.exit() == 0 && memberStatus(status.json(), DEAD).equals("up")) {
        JsonNode e = serverEntry(status.json(), "hello", DEAD);
        if (e != null && !e.path("stale").asBoolean()) {
          fresh = status.json();
          break;
        }
      }
      Thread.sleep(1_000);
    }
    assertNotNull(fresh, DEAD + " not up and fresh again within 90 s");
    timed(tako);
  }

  private static void timed(TakoCli tako) throws Exception {
    long t0 = System.nanoTime();
    TakoCli.Result status = tako.run(tmp, Duration.ofSeconds(30), "status", "--json");
    System.out.println(
        "TrueStatusIT: status with every member up took "
            + (System.nanoTime() - t0) / 1_000_000
            + " ms");
    assertEquals(0, status.exit(), status::toString);
  }

  private static String memberStatus(JsonNode view, String server) {
    for (JsonNode m : view.get("cluster").get("members")) {
      if (m.get("server").asText().equals(server)) {
        return m.get("status").asText();
      }
    }
    return "missing";
  }

  private static JsonNode serverEntry(JsonNode view, String app, String server) {
    for (JsonNode a : view.get("apps")) {
      if (a.get("app").asText().equals(app)) {
        for (JsonNode s : a.get("servers")) {
          if (s.get("server").asText().equals(server)) {
            return s;
          }
        }
      }
    }
    return null;
  }

  private static long pid(TakoCli tako, String server) throws Exception {
    TakoCli.Result ls = tako.run(tmp, "playground", "ls", "--json");
    assertEquals(0, ls.exit(), ls::toString);
    for (JsonNode s : ls.json().get("servers")) {
      if (s.get("name").asText().equals(server)) {
        return s.get("pid").asLong();
      }
    }
    throw new AssertionError("no server " + server + " in\n" + ls);
  }
}
