package dev.tako.node.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.supervisor.AppSupervisor;
import dev.tako.supervisor.InstanceState;
import dev.tako.supervisor.SupervisorSettings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DevSessionTest {
  private static AppSupervisor.InstanceStatus failed(String reason, Integer code) {
    return new AppSupervisor.InstanceStatus(
        "abc", 42L, 0, InstanceState.STARTING, false, 1, "dev-1", null, code, reason, List.of());
  }

  @Test
  void aCrashSaysWhichSignalKilledTheApp() {
    assertEquals(
        "exited with code 137 (killed by SIGKILL)",
        DevSession.describe(failed("exited with code 137", 137)));
    assertEquals(
        "exited with code 143 (killed by SIGTERM)",
        DevSession.describe(failed("exited with code 143", 143)));
    assertEquals("exited with code 1", DevSession.describe(failed("exited with code 1", 1)));
    assertEquals("cannot start x", DevSession.describe(failed("cannot start x", null)));
  }

  @Test
  void developmentTimersSuitADeveloper() {
    SupervisorSettings s = DevSession.settings();
    assertEquals(Duration.ZERO, s.stabilityWindow(), "ready at the first 2xx");
    assertTrue(s.failuresToReplace() > 1_000_000, "a paused debugger is not killed");
    assertTrue(s.termGrace().compareTo(Duration.ofSeconds(5)) <= 0, "Ctrl-C is quick");
    assertEquals(Duration.ofMillis(500), s.backoffMin());
  }
}
