package dev.tako.node.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tako.supervisor.LogFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogReaderTest {
  @TempDir Path dir;

  private void write(String file, long... millisThenIndex) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (long t : millisThenIndex) {
      sb.append(LogFormat.time(t)).append('\t').append(file).append('@').append(t).append('\n');
    }
    Files.writeString(dir.resolve(file), sb.toString());
  }

  private static List<String> texts(List<LogReader.Entry> entries) {
    return entries.stream().map(LogReader.Entry::text).toList();
  }

  @Test
  void mergesInstancesAndStreamsInTimeOrderWithTheirLabels() throws Exception {
    write("hello-aaaa0001.out.log", 1000, 3000, 5000);
    write("hello-aaaa0001.err.log", 2000);
    write("hello-bbbb0002.out.log", 4000);
    write("other-cccc0003.out.log", 2500); // another app sharing the directory
    Files.writeString(dir.resolve("release-command.log"), "no timestamps\n");
    List<LogReader.Entry> all = LogReader.read(dir, "hello", 0, 100);
    assertEquals(
        List.of(
            "hello-aaaa0001.out.log@1000",
            "hello-aaaa0001.err.log@2000",
            "hello-aaaa0001.out.log@3000",
            "hello-bbbb0002.out.log@4000",
            "hello-aaaa0001.out.log@5000"),
        texts(all));
    assertEquals("aaaa0001", all.get(1).instance());
    assertEquals("stderr", all.get(1).stream());
    assertEquals("stdout", all.get(3).stream());
    assertEquals("bbbb0002", all.get(3).instance());
    assertEquals(1000, all.get(0).epochMillis());
  }

  @Test
  void sinceAndLimitKeepTheNewestLines() throws Exception {
    long now = System.currentTimeMillis();
    write("hello-aaaa0001.out.log", now - 5000, now - 4000, now - 3000, now - 2000, now - 1000);
    write("hello-aaaa0001.err.log", now - 3500);
    assertEquals(4, LogReader.read(dir, "hello", now - 3500, 100).size());
    assertEquals(
        List.of("hello-aaaa0001.out.log@" + (now - 2000), "hello-aaaa0001.out.log@" + (now - 1000)),
        texts(LogReader.read(dir, "hello", now - 3500, 2)));
    assertEquals(List.of(), LogReader.read(dir, "hello", now + 1, 100));
  }

  @Test
  void continuesIntoTheRotatedFile() throws Exception {
    long now = System.currentTimeMillis();
    write("hello-aaaa0001.out.log.1", now - 4000, now - 3000);
    write("hello-aaaa0001.out.log", now - 2000);
    assertEquals(3, LogReader.read(dir, "hello", 0, 100).size());
    assertEquals(2, LogReader.read(dir, "hello", now - 3000, 100).size());
    assertEquals(
        List.of(
            "hello-aaaa0001.out.log.1@" + (now - 3000), "hello-aaaa0001.out.log@" + (now - 2000)),
        texts(LogReader.read(dir, "hello", 0, 2)));
  }

  @Test
  void skipsFilesNotWrittenSinceAndALineBeingWritten() throws Exception {
    long now = System.currentTimeMillis();
    write("hello-aaaa0001.out.log", now - 60_000);
    Files.setLastModifiedTime(
        dir.resolve("hello-aaaa0001.out.log"),
        java.nio.file.attribute.FileTime.fromMillis(now - 60_000));
    assertEquals(List.of(), LogReader.read(dir, "hello", now - 1000, 100));
    Files.writeString(
        dir.resolve("hello-bbbb0002.out.log"),
        LogFormat.time(now) + "\tdone\n" + LogFormat.time(now) + "\thalf a li");
    assertEquals(List.of("done"), texts(LogReader.read(dir, "hello", now - 1000, 100)));
  }

  @Test
  void readsBackwardAcrossChunkBoundaries() throws Exception {
    List<String> lines = new ArrayList<>();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      String line = LogFormat.time(1000 + i) + "\t" + "z".repeat(i % 97) + i;
      lines.add(line);
      sb.append(line).append('\n');
    }
    Path file = dir.resolve("hello-aaaa0001.out.log");
    Files.writeString(file, sb.toString());
    List<String> backward = new ArrayList<>();
    LogReader.readBackward(file, l -> backward.add(l));
    assertEquals(lines.size(), backward.size());
    for (int i = 0; i < lines.size(); i++) {
      assertEquals(lines.get(lines.size() - 1 - i), backward.get(i));
    }
    assertEquals(10_000, LogReader.read(dir, "hello", 0, 100_000).size(), "capped");
  }

  @Test
  void aMissingDirectoryHasNoLines() throws Exception {
    assertEquals(List.of(), LogReader.read(dir.resolve("none"), "hello", 0, 10));
  }
}
