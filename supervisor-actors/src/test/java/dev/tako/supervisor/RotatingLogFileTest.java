package dev.tako.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatingLogFileTest {
  @TempDir Path dir;

  private static void append(RotatingLogFile f, long millis, String line) {
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    f.append(millis, b, 0, b.length);
  }

  @Test
  void linesCarryAFixedWidthUtcTimestampAndATab() throws Exception {
    Path file = dir.resolve("a.out.log");
    try (RotatingLogFile f = new RotatingLogFile(file, 1024)) {
      append(f, 1_700_000_000_000L, "hello\tworld");
      append(f, 1_700_000_000_005L, "");
    }
    List<String> lines = Files.readAllLines(file);
    assertEquals(
        List.of("2023-11-14T22:13:20.000Z\thello\tworld", "2023-11-14T22:13:20.005Z\t"), lines);
    LogFormat.Line parsed = LogFormat.parse(lines.get(0));
    assertEquals(1_700_000_000_000L, parsed.epochMillis());
    assertEquals("hello\tworld", parsed.text());
  }

  @Test
  void timeNeverGoesBackwardsWithinAFile() throws Exception {
    Path file = dir.resolve("a.out.log");
    try (RotatingLogFile f = new RotatingLogFile(file, 1024)) {
      append(f, 2_000, "later");
      append(f, 1_000, "clock stepped back");
    }
    List<String> lines = Files.readAllLines(file);
    assertEquals(2_000, LogFormat.parse(lines.get(1)).epochMillis());
  }

  @Test
  void rotatesAtTheSizeLimitKeepingOneOlderFile() throws Exception {
    Path file = dir.resolve("a.out.log");
    Path rotated = dir.resolve("a.out.log.1");
    int lineBytes = LogFormat.PREFIX_BYTES + 10 + 1; // 36
    try (RotatingLogFile f = new RotatingLogFile(file, lineBytes * 3)) {
      for (int i = 0; i < 3; i++) {
        append(f, 1_000 + i, "line-" + (10000 + i));
      }
      f.flush();
      assertFalse(Files.exists(rotated), "exactly at the limit: no rotation yet");
      assertEquals(lineBytes * 3, Files.size(file));
      append(f, 2_000, "line-10003");
      f.flush();
      assertTrue(Files.exists(rotated));
      assertEquals(3, Files.readAllLines(rotated).size());
      assertEquals(1, Files.readAllLines(file).size());
      for (int i = 4; i < 9; i++) {
        append(f, 3_000 + i, "line-" + (10000 + i));
      }
    }
    // 9 lines: the oldest rotated file was replaced; at most 2 x the limit on disk.
    assertEquals(
        List.of("line-10003", "line-10004", "line-10005"),
        Files.readAllLines(rotated).stream().map(LogFormat::text).toList());
    assertEquals(
        List.of("line-10006", "line-10007", "line-10008"),
        Files.readAllLines(file).stream().map(LogFormat::text).toList());
  }

  @Test
  void appendingToAnExistingFileCountsItsSize() throws Exception {
    Path file = dir.resolve("a.err.log");
    Files.writeString(file, "x".repeat(90) + "\n");
    try (RotatingLogFile f = new RotatingLogFile(file, 100)) {
      append(f, 1, "next");
    }
    assertEquals(List.of("next"), Files.readAllLines(file).stream().map(LogFormat::text).toList());
    assertTrue(Files.exists(dir.resolve("a.err.log.1")));
  }

  @Test
  void anUnwritableFileDropsLinesWithoutThrowing() throws Exception {
    Path blocker = Files.writeString(dir.resolve("not-a-dir"), "");
    try (RotatingLogFile f = new RotatingLogFile(blocker.resolve("a.out.log"), 1024)) {
      append(f, 1, "lost");
      append(f, 2, "lost too");
      f.flush();
      assertEquals(2, f.dropped());
    }
  }
}
