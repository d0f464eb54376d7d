package dev.tako.supervisor;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of one instance: {@code logsDir/<app>-<id>.out.log} and {@code .err.log} (appended to
 * across restarts of the same instance id, lines in {@link LogFormat}, each rotated once to {@code
 * .1} at {@link LogPump#MAX_BYTES}) and {@code runDir/<id>.pid}. Blocking I/O: call off the actor
 * threads. Reading a missing log yields no lines rather than an error.
 */
public record InstanceFiles(ReleaseSpec spec, String instanceId) {

  /** Bytes read from the end of a log to find its last lines. */
  static final int TAIL_BYTES = 16 * 1024;

  public Path outLog() {
    return spec.logsDir().resolve(spec.app() + "-" + instanceId + ".out.log");
  }

  public Path errLog() {
    return spec.logsDir().resolve(spec.app() + "-" + instanceId + ".err.log");
  }

  public Path pidFile() {
    return spec.runDir().resolve(instanceId + ".pid");
  }

  public void createDirectories() throws IOException {
    Files.createDirectories(spec.logsDir());
    Files.createDirectories(spec.runDir());
  }

  public void writePid(long pid) throws IOException {
    Files.writeString(pidFile(), pid + "\n", StandardCharsets.UTF_8);
  }

  public void deletePid() {
    try {
      Files.deleteIfExists(pidFile());
    } catch (IOException e) {
      // A stale pid file is harmless: the node checks the process before trusting it.
    }
  }

  /**
   * Starts draining the process's stdout and stderr into the instance's log files (see {@link
   * LogPump}); the pumps end when the pipes close.
   */
  public List<LogPump> startPumps(Process process) {
    String name = "log-" + spec.app() + "-" + instanceId;
    return List.of(
        LogPump.start(process.getInputStream(), outLog(), LogPump.MAX_BYTES, name + "-out"),
        LogPump.start(process.getErrorStream(), errLog(), LogPump.MAX_BYTES, name + "-err"));
  }

  /**
   * The last {@code n} lines of the stderr log as the app wrote them (timestamps removed; fewer if
   * it is shorter or missing; just after a rotation the rotated file supplies the rest).
   */
  public List<String> errTail(int n) {
    List<String> current = tail(errLog(), n);
    List<String> lines = new ArrayList<>();
    if (current.size() < n) {
      lines.addAll(tail(RotatingLogFile.rotatedOf(errLog()), n - current.size()));
    }
    lines.addAll(current);
    return lines.stream().map(LogFormat::text).toList();
  }

  static List<String> tail(Path file, int n) {
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long length = raf.length();
      long start = Math.max(0, length - TAIL_BYTES);
      byte[] bytes = new byte[(int) (length - start)];
      raf.seek(start);
      raf.readFully(bytes);
      String text = new String(bytes, StandardCharsets.UTF_8);
      String[] lines = text.split("\r?\n", -1);
      int from = start > 0 ? 1 : 0; // the first line may be cut
      int to = lines.length;
      if (to > from && lines[to - 1].isEmpty()) {
        to--;
      }
      List<String> result = new ArrayList<>();
      for (int i = Math.max(from, to - n); i < to; i++) {
        result.add(lines[i]);
      }
      return List.copyOf(result);
    } catch (IOException e) {
      return List.of();
    }
  }
}
