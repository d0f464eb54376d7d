package dev.tako.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeftoverProcessesTest {
  @TempDir Path run;
  private Process started;

  @AfterEach
  void cleanUp() {
    if (started != null) {
      started.destroyForcibly();
    }
  }

  private static final Instant WRITTEN = Instant.parse("2026-01-01T10:00:00Z");
  private static final LeftoverProcesses.PidFile FILE =
      new LeftoverProcesses.PidFile(Path.of("run/abcd1234.pid"), "abcd1234", 4242, WRITTEN);

  private static LeftoverProcesses.Observed observed(
      boolean alive, Instant started, String environment) {
    return new LeftoverProcesses.Observed(
        alive, Optional.ofNullable(started), Optional.ofNullable(environment));
  }

  @Test
  void aLiveProcessStartedBeforeItsPidFileWithOurInstanceIsOurs() {
    assertTrue(
        LeftoverProcesses.isOurs(
            FILE,
            observed(
                true, WRITTEN.minusMillis(30), "PATH=/bin\0TAKO_INSTANCE=abcd1234\0PORT=1\0")));
    assertTrue(
        LeftoverProcesses.isOurs(FILE, observed(true, WRITTEN.minusSeconds(3600), null)),
        "an unreadable environment leaves the start time to decide");
  }

  @Test
  void aRecycledPidIsNotOurs() {
    assertFalse(LeftoverProcesses.isOurs(FILE, observed(true, WRITTEN.plusSeconds(60), null)));
    assertFalse(
        LeftoverProcesses.isOurs(
            FILE, observed(true, WRITTEN.minusSeconds(1), "TAKO_INSTANCE=ffff0000\0")),
        "another instance's process");
    assertFalse(
        LeftoverProcesses.isOurs(FILE, observed(true, WRITTEN.minusSeconds(1), "PATH=/bin\0")),
        "not one of our apps at all");
  }

  @Test
  void aDeadOrUnknownProcessIsNotOurs() {
    assertFalse(LeftoverProcesses.isOurs(FILE, observed(false, WRITTEN, null)));
    assertFalse(LeftoverProcesses.isOurs(FILE, observed(true, null, null)));
  }

  private Process sleeper(String instance) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sleep", "60");
    pb.environment().put("TAKO_INSTANCE", instance);
    return pb.start();
  }

  @Test
  void stopsOurLeftoverAndDeletesEveryPidFile() throws Exception {
    started = sleeper("abcd1234");
    Files.writeString(run.resolve("abcd1234.pid"), started.pid() + "\n");
    Files.writeString(run.resolve("dead0000.pid"), "999999999\n");
    Files.writeString(run.resolve("junk0000.pid"), "not a pid\n");

    List<Long> stopped = LeftoverProcesses.stopAll(run, Duration.ofSeconds(5));

    assertEquals(List.of(started.pid()), stopped);
    assertTrue(started.waitFor(5, TimeUnit.SECONDS));
    assertFalse(Files.exists(run.resolve("abcd1234.pid")));
    assertFalse(Files.exists(run.resolve("dead0000.pid")));
  }

  /** A process of instance {@code id} with its run file and FIFOs, as an instance leaves it. */
  private Process runningInstance(String id) throws Exception {
    Process p = sleeper(id);
    new dev.tako.supervisor.RunFile("hello", "production", "r7", p.pid(), 4321, Instant.now())
        .write(run.resolve(id + ".json"));
    Process mkfifo =
        new ProcessBuilder(
                "mkfifo",
                run.resolve(id + ".out.fifo").toString(),
                run.resolve(id + ".err.fifo").toString())
            .start();
    assertEquals(0, mkfifo.waitFor());
    Files.writeString(run.resolve(id + ".pid"), p.pid() + "\n");
    return p;
  }

  @Test
  void scanKeepsAdoptablesStopsOldPidOnlyLeftoversAndRemovesTheDead() throws Exception {
    Process adoptable = runningInstance("aaaa0001");
    Process oldStyle = sleeper("bbbb0002"); // a node before run files: a pid file only
    Files.writeString(run.resolve("bbbb0002.pid"), oldStyle.pid() + "\n");
    Process noFifos = runningInstance("cccc0003");
    Files.delete(run.resolve("cccc0003.err.fifo"));
    Process dead = runningInstance("dddd0004");
    dead.destroyForcibly().waitFor();
    Files.writeString(run.resolve("eeee0005.json"), "{}"); // a launch that never completed
    try {
      List<LeftoverProcesses.Leftover> found = LeftoverProcesses.scan(run, Duration.ofSeconds(5));

      assertEquals(1, found.size());
      LeftoverProcesses.Leftover l = found.get(0);
      assertEquals(List.of("hello", "production", "r7"), List.of(l.app(), l.env(), l.release()));
      assertEquals("aaaa0001", l.instance().id());
      assertEquals(adoptable.pid(), l.instance().pid());
      assertEquals(4321, l.instance().port());
      assertTrue(adoptable.isAlive(), "an adoptable process keeps running");
      for (String f : List.of(".pid", ".json", ".out.fifo", ".err.fifo")) {
        assertTrue(Files.exists(run.resolve("aaaa0001" + f)), "its files stay: " + f);
      }
      assertTrue(oldStyle.waitFor(5, TimeUnit.SECONDS), "a pid-only leftover is stopped");
      assertTrue(noFifos.waitFor(5, TimeUnit.SECONDS), "one without its FIFOs is stopped");
      try (var left = Files.list(run)) {
        assertEquals(
            List.of("aaaa0001.err.fifo", "aaaa0001.json", "aaaa0001.out.fifo", "aaaa0001.pid"),
            left.map(f -> f.getFileName().toString()).sorted().toList(),
            "the files of the stopped, the dead and the stray are gone");
      }

      LeftoverProcesses.stop(found, run, Duration.ofSeconds(5));
      assertTrue(adoptable.waitFor(5, TimeUnit.SECONDS), "an unclaimed one is stopped");
      try (var left = Files.list(run)) {
        assertEquals(0, left.count());
      }
    } finally {
      for (Process p : List.of(adoptable, oldStyle, noFifos)) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void leavesAProcessThatIsNotOursAlone() throws Exception {
    started = sleeper("ffff0000"); // holds a pid the file names, but it is someone else
    Path pidFile = Files.writeString(run.resolve("abcd1234.pid"), started.pid() + "\n");
    Files.setLastModifiedTime(pidFile, FileTime.from(Instant.now().minusSeconds(3600)));

    assertEquals(List.of(), LeftoverProcesses.stopAll(run, Duration.ofSeconds(1)));
    assertTrue(started.isAlive());
  }

  @Test
  void killsALeftoverThatIgnoresSigterm() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", "trap '' TERM; while :; do sleep 1; done");
    pb.environment().put("TAKO_INSTANCE", "abcd1234");
    started = pb.start();
    Files.writeString(run.resolve("abcd1234.pid"), started.pid() + "\n");
    List<Long> children = started.descendants().map(ProcessHandle::pid).toList();

    LeftoverProcesses.stopAll(run, Duration.ofMillis(300));

    assertTrue(started.waitFor(5, TimeUnit.SECONDS));
    for (long child : children) {
      var handle = ProcessHandle.of(child);
      if (handle.isPresent()) {
        handle.get().onExit().get(5, TimeUnit.SECONDS); // reaped by init once its parent died
      }
    }
  }
}
