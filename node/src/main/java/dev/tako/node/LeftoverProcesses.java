package dev.tako.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * App processes a previous run of this node left behind (it was killed with -9, or the machine's
 * process supervisor restarted it): found through the pid files {@code <home>/run/<instance>.pid}
 * every instance writes, and stopped before the node restores its apps, so no orphan keeps a port
 * or serves an old release. Stopping is SIGTERM to the process and its descendants, SIGKILL after
 * the grace.
 *
 * <p>A pid is only trusted when {@link #isOurs} says so: the process is alive, it started no later
 * than its pid file was written (a recycled pid belongs to a process started after ours died), and
 * where its environment is readable ({@code /proc/<pid>/environ}) it carries our {@code
 * TAKO_INSTANCE}. Every pid file is deleted afterwards. Failures are logged, never thrown: a node
 * must start even if a leftover cannot be stopped.
 */
public final class LeftoverProcesses {
  private static final Logger LOG = LoggerFactory.getLogger(LeftoverProcesses.class);

  /** Clock slack between a process's start time (kernel ticks) and the pid file's mtime. */
  static final Duration SLACK = Duration.ofSeconds(2);

  private LeftoverProcesses() {}

  /** What a pid file says. */
  record PidFile(Path path, String instanceId, long pid, Instant written) {}

  /** What the system says about the process holding that pid now. */
  record Observed(boolean alive, Optional<Instant> started, Optional<String> environment) {}

  /** The policy: is the process now holding {@code file.pid()} the one that wrote the file? */
  static boolean isOurs(PidFile file, Observed now) {
    if (!now.alive() || now.started().isEmpty()) {
      return false;
    }
    if (now.started().get().isAfter(file.written().plus(SLACK))) {
      return false; // the pid was recycled after our process died
    }
    return now.environment()
        .map(env -> ("\0" + env + "\0").contains("\0TAKO_INSTANCE=" + file.instanceId() + "\0"))
        .orElse(true);
  }

  /** Reads the pid files in {@code runDir}; unreadable or malformed ones are skipped. */
  static List<PidFile> pidFiles(Path runDir) {
    List<PidFile> out = new ArrayList<>();
    if (!Files.isDirectory(runDir)) {
      return out;
    }
    try (Stream<Path> files = Files.list(runDir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".pid")).toList()) {
        String name = f.getFileName().toString();
        try {
          long pid = Long.parseLong(Files.readString(f, StandardCharsets.UTF_8).trim());
          out.add(
              new PidFile(
                  f,
                  name.substring(0, name.length() - 4),
                  pid,
                  Files.getLastModifiedTime(f).toInstant()));
        } catch (IOException | NumberFormatException e) {
          LOG.warn("ignoring unreadable pid file {}: {}", f, e.getMessage());
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", runDir, e.getMessage());
    }
    return out;
  }

  static Observed observe(ProcessHandle handle) {
    Optional<String> env = Optional.empty();
    Path environ = Path.of("/proc", Long.toString(handle.pid()), "environ");
    try {
      if (Files.isReadable(environ)) {
        env = Optional.of(Files.readString(environ, StandardCharsets.ISO_8859_1));
      }
    } catch (IOException | RuntimeException e) {
      // not readable: rely on the start time alone
    }
    return new Observed(handle.isAlive(), handle.info().startInstant(), env);
  }

  /**
   * Stops every leftover app process found in {@code runDir} (SIGTERM, SIGKILL after {@code grace})
   * and deletes the pid files. Returns the pids it stopped.
   */
  public static List<Long> stopAll(Path runDir, Duration grace) {
    List<ProcessHandle> ours = new ArrayList<>();
    List<ProcessHandle> children = new ArrayList<>(); // taken now: an exited parent has none
    for (PidFile f : pidFiles(runDir)) {
      Optional<ProcessHandle> handle = ProcessHandle.of(f.pid());
      if (handle.isPresent() && isOurs(f, observe(handle.get()))) {
        ProcessHandle h = handle.get();
        LOG.warn(
            "stopping app process {} (instance {}) left by a previous run of this node",
            f.pid(),
            f.instanceId());
        List<ProcessHandle> below = h.descendants().toList();
        below.forEach(ProcessHandle::destroy);
        children.addAll(below);
        h.destroy();
        ours.add(h);
      } else if (handle.isPresent()) {
        LOG.info(
            "pid file {} names pid {}, which is no longer ours: left alone", f.path(), f.pid());
      }
    }
    long deadline = System.nanoTime() + grace.toNanos();
    for (ProcessHandle h : ours) {
      long left = Math.max(1, deadline - System.nanoTime());
      try {
        h.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        LOG.warn("app process {} ignored SIGTERM for {}; killing it", h.pid(), grace);
        h.destroyForcibly();
      }
    }
    // Children that outlived their parent's SIGTERM must not outlive the node's restart either.
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle h : ours) {
      try {
        h.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.error("app process {} is still alive after SIGKILL", h.pid());
      }
    }
    for (PidFile f : pidFiles(runDir)) {
      try {
        Files.deleteIfExists(f.path());
      } catch (IOException e) {
        LOG.warn("cannot delete {}: {}", f.path(), e.getMessage());
      }
    }
    return ours.stream().map(ProcessHandle::pid).toList();
  }
}
