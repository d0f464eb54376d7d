package dev.tako.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.supervisor.Slot.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlotTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final RestartPolicy RESTARTS =
      new RestartPolicy(Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofSeconds(60));

  private static Slot slot(Role role) {
    Path root = Path.of("/nonexistent");
    ReleaseSpec spec =
        new ReleaseSpec(
            "hello",
            "production",
            "r1",
            root,
            List.of("node", "server.js"),
            Map.of(),
            "/health",
            root.resolve("logs"),
            root.resolve("run"));
    Slot s = new Slot("abcd1234", spec, role, false);
    s.spawned(null, false);
    s.started(42L, 20001, T0);
    return s;
  }

  @Test
  void startsThenReadyAndRoutable() {
    Slot s = slot(Role.CURRENT);
    assertEquals(InstanceState.STARTING, s.status().state());
    assertFalse(s.routable());
    s.becameReady(T0.plusSeconds(1), 1);
    assertEquals(InstanceState.READY, s.status().state());
    assertTrue(s.routable());
    s.unhealthy("GET /health: 500");
    assertFalse(s.routable());
    assertEquals("GET /health: 500", s.status().reason());
    s.healthyAgain();
    assertTrue(s.routable());
    assertNull(s.status().reason());
  }

  @Test
  void failuresInARowShowFailedFromTheThird() {
    Slot s = slot(Role.CURRENT);
    for (int i = 1; i < RestartPolicy.FAILED_AFTER; i++) {
      s.failedInARow(RESTARTS, s.failed("exited with code 1", 1, List.of("boom"), T0));
      assertEquals(InstanceState.STARTING, s.status().state());
    }
    s.failedInARow(RESTARTS, s.failed("exited with code 1", 1, List.of(), T0));
    assertEquals(InstanceState.FAILED, s.status().state());
    assertEquals(List.of("boom"), s.status().lastStderr(), "the last stderr lines stay");
    s.spawned(null, RESTARTS.failed(s.failures()));
    assertEquals(InstanceState.FAILED, s.status().state(), "it keeps showing failed");
  }

  @Test
  void retiringDrainsThenStops() {
    Slot s = slot(Role.CURRENT);
    s.becameReady(T0, 1);
    assertTrue(s.retire(), "a routable current instance is drained");
    assertEquals(InstanceState.DRAINING, s.status().state());
    s.stopped(143);
    assertEquals(InstanceState.STOPPED, s.status().state());
    assertEquals(143, s.status().exitCode());
    assertFalse(s.retire(), "only a current instance is drained");
    assertEquals(InstanceState.STOPPED, s.status().state());
  }

  @Test
  void aFailureReportsHowLongItHadBeenReady() {
    Slot s = slot(Role.CANDIDATE);
    assertEquals(Duration.ZERO, s.failed("exited", 1, List.of(), T0));
    s.becameReady(T0, 1);
    assertEquals(Duration.ofSeconds(90), s.failed("exited", 1, List.of(), T0.plusSeconds(90)));
  }

  @Test
  void theViewShowsTheStateWordAndTheUptime() {
    Slot s = slot(Role.CURRENT);
    s.becameReady(T0, 1);
    var view = s.status().toView(T0.plusSeconds(75));
    assertEquals("ready", view.state());
    assertEquals(75, view.uptimeS());
    assertEquals(42L, view.pid());
    assertEquals(20001, view.port());
    assertEquals("r1", view.release());
  }
}
