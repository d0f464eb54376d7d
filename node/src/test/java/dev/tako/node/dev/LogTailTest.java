package dev.tako.node.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tako.supervisor.LogFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor's log files, as {@code tako dev} streams them to the terminal. */
class LogTailTest {
  @TempDir Path dir;
  private final List<String> seen = new ArrayList<>();

  private LogTail tail() {
    return new LogTail(
        dir, l -> seen.add((l.stderr() ? "err " : "out ") + l.epochMillis() + " " + l.text()));
  }

  private void append(String file, long millis, String text) throws Exception {
    Files.writeString(
        dir.resolve(file),
        LogFormat.time(millis) + "\t" + text + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  @Test
  void newLinesOfBothStreamsArriveInTimeOrderWithoutTheirTimestamps() throws Exception {
    append("web-1.out.log", 1_000, "old line");
    LogTail tail = tail();
    append("web-1.out.log", 2_000, "listening");
    append("web-1.err.log", 1_500, "warning: x");
    append("web-2.out.log", 2_500, "second\tinstance");
    tail.poll();
    assertEquals(
        List.of("err 1500 warning: x", "out 2000 listening", "out 2500 second\tinstance"), seen);
  }

  @Test
  void aLineIsPassedOnOnlyOnceItIsComplete() throws Exception {
    LogTail tail = tail();
    Path file = dir.resolve("web-1.out.log");
    Files.writeString(file, LogFormat.time(1_000) + "\tpart", StandardCharsets.UTF_8);
    tail.poll();
    assertEquals(List.of(), seen);
    Files.writeString(file, "ial\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    tail.poll();
    assertEquals(List.of("out 1000 partial"), seen);
  }

  @Test
  void aRotatedFileIsReadFromItsStartAndRotatedCopiesAreIgnored() throws Exception {
    LogTail tail = tail();
    append("web-1.out.log", 1_000, "a fairly long first line before the rotation");
    tail.poll();
    Files.move(dir.resolve("web-1.out.log"), dir.resolve("web-1.out.log.1"));
    append("web-1.out.log", 2_000, "after");
    tail.poll();
    assertEquals(
        List.of("out 1000 a fairly long first line before the rotation", "out 2000 after"), seen);
  }
}
