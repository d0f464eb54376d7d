package dev.tako.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogPumpTest {
  @TempDir Path dir;

  private static List<String> texts(Path file) throws Exception {
    return Files.readAllLines(file).stream().map(LogFormat::text).toList();
  }

  @Test
  void splitsLinesStripsCarriageReturnsAndKeepsAnUnterminatedLastLine() throws Exception {
    Path file = dir.resolve("a.out.log");
    byte[] input = "one\r\ntwo\n\nthree".getBytes(StandardCharsets.UTF_8);
    LogPump pump = LogPump.start(new ByteArrayInputStream(input), file, 1 << 20, "t");
    assertTrue(pump.await(Duration.ofSeconds(5)));
    assertEquals(List.of("one", "two", "", "three"), texts(file));
    for (String line : Files.readAllLines(file)) {
      assertTrue(LogFormat.parse(line) != null, line);
    }
  }

  @Test
  void splitsOverlongLines() throws Exception {
    Path file = dir.resolve("a.out.log");
    String longLine = "y".repeat(LogPump.MAX_LINE + 10);
    LogPump pump =
        LogPump.start(
            new ByteArrayInputStream((longLine + "\nz\n").getBytes(StandardCharsets.UTF_8)),
            file,
            1 << 20,
            "t");
    assertTrue(pump.await(Duration.ofSeconds(5)));
    assertEquals(List.of("y".repeat(LogPump.MAX_LINE), "y".repeat(10), "z"), texts(file));
  }

  /**
   * A real process printing 50 MB as fast as it can exits promptly: the pump keeps its pipe
   * drained, rotates at the limit, and keeps the newest lines.
   */
  @Test
  void aFloodOfOutputNeverBlocksTheApp() throws Exception {
    Path script = dir.resolve("flood.js");
    Files.writeString(
        script,
        """
        const line = 'x'.repeat(95);
        const lines = [];
        for (let i = 0; i < 10000; i++) lines.push(line);
        const chunk = lines.join('\\n') + '\\n';
        for (let i = 0; i < 52; i++) process.stdout.write(chunk);
        process.stdout.write('last line\\n');
        """);
    Path file = dir.resolve("flood.out.log");
    long started = System.nanoTime();
    Process p = new ProcessBuilder("node", script.toString()).start();
    LogPump pump = LogPump.start(p.getInputStream(), file, LogPump.MAX_BYTES, "flood");
    p.getErrorStream().close();
    boolean exited = p.waitFor(30, TimeUnit.SECONDS);
    long ms = (System.nanoTime() - started) / 1_000_000;
    if (!exited) {
      p.destroyForcibly();
    }
    assertTrue(exited, "the app was blocked by its output");
    assertTrue(pump.await(Duration.ofSeconds(10)));
    assertEquals(0, p.exitValue());
    long bytes = 52L * 10000 * 96;
    System.out.printf(
        "flood: %d MB in %d ms (%.0f MB/s)%n", bytes >> 20, ms, bytes / 1048576.0 / (ms / 1000.0));
    Path rotated = dir.resolve("flood.out.log.1");
    assertTrue(Files.size(file) <= LogPump.MAX_BYTES);
    assertTrue(Files.size(rotated) <= LogPump.MAX_BYTES);
    assertTrue(Files.size(rotated) > LogPump.MAX_BYTES - 1024);
    assertEquals(
        "last line",
        InstanceFiles.tail(file, 1).stream().map(LogFormat::text).findFirst().orElseThrow());
  }
}
