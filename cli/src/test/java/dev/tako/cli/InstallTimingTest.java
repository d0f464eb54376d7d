package dev.tako.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tako.protocol.api.RolloutEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InstallTimingTest {
  private final List<RolloutEvent> printed = new ArrayList<>();
  private final InstallTiming timing = new InstallTiming(printed::add);

  @Test
  void theSlowestServersInstallIsTheStep() {
    timing.accept(RolloutEvent.progress("la", "dependencies installed in 3.2 s", null));
    timing.accept(RolloutEvent.progress("nyc", "dependencies installed in 4 s", null));
    timing.accept(RolloutEvent.progress("la", "prepared", null));
    assertEquals(" (install 4.0s)", timing.timing());
    assertEquals(3, printed.size(), "every event is passed on");
  }

  @Test
  void anUnchangedLockfileSaysSo() {
    timing.accept(RolloutEvent.progress("la", "dependencies unchanged", null));
    timing.accept(RolloutEvent.progress("nyc", "unchanged", null));
    assertEquals(" (dependencies unchanged)", timing.timing());
  }

  @Test
  void noDependenciesNoInstallStep() {
    timing.accept(RolloutEvent.progress("la", "prepared", null));
    timing.accept(RolloutEvent.done(null));
    assertEquals("", timing.timing());
  }

  @Test
  void installsWithoutLockfileStillCount() {
    timing.accept(
        RolloutEvent.progress(
            "la",
            "dependencies installed in 12.5 s (no lockfile: installs are not reproducible; commit"
                + " package-lock.json)",
            null));
    assertEquals(" (install 12.5s)", timing.timing());
  }
}
