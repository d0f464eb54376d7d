package dev.tako.node.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogRetentionTest {

  @TempDir Path logs;

  private final Instant now = Instant.parse("2026-11-27T12:00:00Z");

  /**
   * Writes the out and err logs (and a rotated out log) of {@code id}, last written at {@code at}.
   */
  private void instance(String id, int bytesEach, Instant at) throws IOException {
    for (String name :
        List.of(
            "hello-" + id + ".out.log", "hello-" + id + ".err.log", "hello-" + id + ".out.log.1")) {
      Path f = logs.resolve(name);
      Files.write(f, new byte[bytesEach]);
      Files.setLastModifiedTime(f, FileTime.from(at));
    }
  }

  private boolean has(String id) {
    return Files.exists(logs.resolve("hello-" + id + ".out.log"))
        || Files.exists(logs.resolve("hello-" + id + ".err.log"))
        || Files.exists(logs.resolve("hello-" + id + ".out.log.1"));
  }

  @Test
  void pastInstancesGoOldestFirstOnceTheBudgetIsUsed() throws IOException {
    instance("aaaa1111", 100, now.minus(Duration.ofDays(3))); // oldest
    instance("bbbb2222", 100, now.minus(Duration.ofDays(2)));
    instance("cccc3333", 100, now.minus(Duration.ofDays(1))); // newest past one
    instance("dddd4444", 100, now.minus(Duration.ofDays(5))); // running: kept though oldest
    Files.writeString(logs.resolve("release-command.log"), "migrated\n");

    List<String> deleted =
        LogRetention.prune(
            logs, "hello", Set.of("dddd4444"), now, 3 * 300 - 1, Duration.ofDays(30));

    assertEquals(List.of("bbbb2222", "aaaa1111"), deleted);
    assertTrue(has("dddd4444"));
    assertTrue(has("cccc3333"));
    assertFalse(has("bbbb2222"));
    assertFalse(has("aaaa1111"));
    assertTrue(Files.exists(logs.resolve("release-command.log")));
  }

  @Test
  void pastInstancesOlderThanTheMaximumAgeGoEvenWithSpaceLeft() throws IOException {
    instance("old00001", 10, now.minus(Duration.ofDays(40)));
    instance("new00001", 10, now.minus(Duration.ofDays(1)));

    List<String> deleted =
        LogRetention.prune(logs, "hello", Set.of(), now, Long.MAX_VALUE, Duration.ofDays(30));

    assertEquals(List.of("old00001"), deleted);
    assertTrue(has("new00001"));
  }

  @Test
  void anInstanceThatWroteMinutesAgoIsKeptWithoutAPidFile() throws IOException {
    instance("starting", 1000, now.minus(Duration.ofMinutes(1)));

    assertEquals(
        List.of(), LogRetention.prune(logs, "hello", Set.of(), now, 1, Duration.ofDays(30)));
    assertTrue(has("starting"));
  }

  @Test
  void runningInstancesAreThoseWithAPidFile(@TempDir Path run) throws IOException {
    Files.writeString(run.resolve("abcd1234.pid"), "42\n");
    Files.writeString(run.resolve("notes.txt"), "x");
    assertEquals(Set.of("abcd1234"), LogRetention.running(run));
    assertEquals(Set.of(), LogRetention.running(run.resolve("missing")));
  }

  @Test
  void otherAppsFilesInTheDirectoryAreNotTouched() throws IOException {
    Path other = logs.resolve("hello-api-abcd1234.out.log");
    Files.writeString(other, "x");
    Files.setLastModifiedTime(other, FileTime.from(now.minus(Duration.ofDays(90))));

    assertEquals(
        List.of(), LogRetention.prune(logs, "hello", Set.of(), now, 0, Duration.ofDays(1)));
    assertTrue(Files.exists(other));
  }
}
