package dev.tako.supervisor;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of one instance: {@code logsDir/<app>-<id>.out.log} and {@code .err.log} (appended to
 * across restarts of the same instance id, lines in {@link LogFormat}, each rotated once to {@code
 * .1} at {@link LogPump#MAX_BYTES}), and while its process runs {@code runDir/<id>.pid}, the {@link
 * RunFile} {@code runDir/<id>.json} and the FIFOs its stdout and stderr go through, {@code
 * runDir/<id>.out.fifo} and {@code .err.fifo} (mode 0600; they outlive the node process, see {@link
 * LogPump}). Blocking I/O: call off the actor threads. Reading a missing log yields no lines rather
 * than an error.
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

  public Path runFile() {
    return spec.runDir().resolve(instanceId + ".json");
  }

  public Path outFifo() {
    return spec.runDir().resolve(instanceId + ".out.fifo");
  }

  public Path errFifo() {
    return spec.runDir().resolve(instanceId + ".err.fifo");
  }

  public void createDirectories() throws IOException {
    Files.createDirectories(spec.logsDir());
    Files.createDirectories(spec.runDir());
  }

  public void writePid(long pid) throws IOException {
    Files.writeString(pidFile(), pid + "\n", StandardCharsets.UTF_8);
  }

  public void writeRunFile(long pid, int port, Instant startedAt) throws IOException {
    new RunFile(spec.app(), spec.env(), spec.release(), pid, port, startedAt).write(runFile());
  }

  /** Deletes the pid file, the run file and the FIFOs: the instance's process is gone. */
  public void deleteRunFiles() {
    deleteRunFiles(spec.runDir(), instanceId);
  }

  /** Deletes what {@code runDir} holds of instance {@code id} while its process runs. */
  public static void deleteRunFiles(Path runDir, String id) {
    for (String suffix : List.of(".pid", ".json", ".json.tmp", ".out.fifo", ".err.fifo")) {
      try {
        Files.deleteIfExists(runDir.resolve(id + suffix));
      } catch (IOException e) {
        // A stale file is harmless: the node checks the process before trusting it.
      }
    }
  }

  /**
   * Creates the two FIFOs afresh (any left from an earlier process of the same id go first), mode
   * 0600, see {@link FifoPool}.
   */
  public void createFifos() throws IOException {
    FifoPool.createPair(outFifo(), errFifo());
  }

  /** Whether both FIFOs exist (and are no regular files or directories). */
  public static boolean fifosPresent(Path runDir, String id) {
    return isFifo(runDir.resolve(id + ".out.fifo")) && isFifo(runDir.resolve(id + ".err.fifo"));
  }

  private static boolean isFifo(Path p) {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
          .isOther();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Opens both FIFOs read-write and starts draining them into the instance's log files (see {@link
   * LogPump}); they run until {@link LogPump#stop}.
   */
  public List<LogPump> startPumps() throws IOException {
    String name = "log-" + spec.app() + "-" + instanceId;
    LogPump out = LogPump.fromFifo(outFifo(), outLog(), LogPump.MAX_BYTES, name + "-out");
    try {
      return List.of(out, LogPump.fromFifo(errFifo(), errLog(), LogPump.MAX_BYTES, name + "-err"));
    } catch (IOException e) {
      out.stop();
      throw e;
    }
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
