package dev.tako.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceFilesTest {

  @TempDir Path dir;

  @Test
  void tailOfAMissingFileIsEmpty() {
    assertEquals(List.of(), InstanceFiles.tail(dir.resolve("none.log"), 20));
  }

  @Test
  void tailKeepsTheLastLines() throws Exception {
    Path log = dir.resolve("err.log");
    Files.writeString(log, "a\nb\nc\n");
    assertEquals(List.of("b", "c"), InstanceFiles.tail(log, 2));
    assertEquals(List.of("a", "b", "c"), InstanceFiles.tail(log, 20));
    Files.writeString(log, "no newline at end");
    assertEquals(List.of("no newline at end"), InstanceFiles.tail(log, 20));
  }

  @Test
  void tailOfAHugeFileReadsOnlyItsEnd() throws Exception {
    Path log = dir.resolve("big.log");
    String text =
        IntStream.range(0, 100_000).mapToObj(i -> "line " + i).collect(Collectors.joining("\n"));
    Files.writeString(log, text + "\n");
    List<String> tail = InstanceFiles.tail(log, 20);
    assertEquals(20, tail.size());
    assertEquals("line 99980", tail.get(0));
    assertEquals("line 99999", tail.get(19));
  }

  @Test
  void errTailDropsTimestampsAndReachesIntoTheRotatedFile() throws Exception {
    ReleaseSpec spec =
        new ReleaseSpec(
            "hello",
            "prod",
            "r1",
            dir,
            List.of("x"),
            java.util.Map.of(),
            "/",
            dir.resolve("logs"),
            dir.resolve("run"));
    InstanceFiles files = new InstanceFiles(spec, "abcd1234");
    Files.createDirectories(dir.resolve("logs"));
    Files.writeString(
        dir.resolve("logs/hello-abcd1234.err.log.1"),
        "2026-01-01T00:00:00.000Z\tolder\n2026-01-01T00:00:00.001Z\told\n");
    Files.writeString(
        dir.resolve("logs/hello-abcd1234.err.log"), "2026-01-01T00:00:01.000Z\tnew\tstuff\n");
    assertEquals(List.of("old", "new\tstuff"), files.errTail(2));
    assertEquals(List.of("older", "old", "new\tstuff"), files.errTail(20));
  }

  @Test
  void namesFollowAppAndInstance() {
    ReleaseSpec spec =
        new ReleaseSpec(
            "hello",
            "prod",
            "r1",
            dir,
            List.of("x"),
            java.util.Map.of(),
            "/",
            dir.resolve("logs"),
            dir.resolve("run"));
    InstanceFiles files = new InstanceFiles(spec, "abcd1234");
    assertEquals(dir.resolve("logs/hello-abcd1234.err.log"), files.errLog());
    assertEquals(dir.resolve("logs/hello-abcd1234.out.log"), files.outLog());
    assertEquals(dir.resolve("run/abcd1234.pid"), files.pidFile());
  }
}
