package dev.tako.node;

import dev.tako.supervisor.Adoptable;
import dev.tako.supervisor.InstanceFiles;
import dev.tako.supervisor.RunFile;
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
 * App processes a previous run of this node left behind (an upgrade handover detached them, the
 * node was killed with -9, or the machine's process supervisor restarted it): found through the pid
 * files {@code <home>/run/<instance>.pid} every instance writes. {@link #scan} sorts them before
 * the node restores its apps: a live process of ours with its {@link RunFile} and both output FIFOs
 * is {@link Leftover adoptable} (the app's supervisor takes it over if it is of the current
 * release, see {@link AppSupervisors#restore}; any other is stopped with {@link #stop}); a live one
 * of ours without them (a node before run files) is stopped at once, so no orphan keeps a port or
 * serves an old release; the files of a dead one are removed. Stopping is SIGTERM to the process
 * and its descendants, SIGKILL after the grace.
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

  /**
   * A live app process of ours the node can adopt: its app, environment and release (from its run
   * file) and what its supervisor needs. {@code process} was looked up during the scan: signals
   * through it never reach a process that took the pid over since.
   */
  public record Leftover(
      String app, String env, String release, Adoptable instance, ProcessHandle process) {}

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
   * Sorts what {@code runDir} holds (see the class comment): stops the live processes of ours that
   * cannot be adopted (SIGTERM, SIGKILL after {@code grace}), deletes the files of every process
   * that is not adoptable (and stray run files and FIFOs without a pid file), and returns the
   * adoptable ones. One log line per process.
   */
  public static List<Leftover> scan(Path runDir, Duration grace) {
    List<Leftover> adoptable = new ArrayList<>();
    List<ProcessHandle> toStop = new ArrayList<>();
    List<String> gone = new ArrayList<>();
    for (PidFile f : pidFiles(runDir)) {
      Optional<ProcessHandle> handle = ProcessHandle.of(f.pid());
      if (handle.isPresent() && isOurs(f, observe(handle.get()))) {
        Optional<RunFile> run = runFile(runDir, f);
        if (run.isPresent() && InstanceFiles.fifosPresent(runDir, f.instanceId())) {
          RunFile r = run.get();
          LOG.info(
              "found app process {} (instance {} of {}/{} release {}) left running by a previous"
                  + " run of this node: to adopt",
              f.pid(),
              f.instanceId(),
              r.app(),
              r.env(),
              r.release());
          adoptable.add(
              new Leftover(
                  r.app(), r.env(), r.release(), r.adoptable(f.instanceId()), handle.get()));
        } else {
          LOG.warn(
              "stopping app process {} (instance {}) left by a previous run of this node (it"
                  + " cannot be adopted: no run file or output FIFOs)",
              f.pid(),
              f.instanceId());
          toStop.add(handle.get());
          gone.add(f.instanceId());
        }
      } else {
        if (handle.isPresent()) {
          LOG.info(
              "pid file {} names pid {}, which is no longer ours: left alone", f.path(), f.pid());
        }
        gone.add(f.instanceId());
      }
    }
    terminate(toStop, grace);
    gone.forEach(id -> InstanceFiles.deleteRunFiles(runDir, id));
    deleteStrays(runDir);
    return List.copyOf(adoptable);
  }

  /**
   * Stops adoptable processes nobody adopted (their release is no longer current, their app is
   * gone) and deletes their files. Blocking: call off the actor threads.
   */
  public static void stop(List<Leftover> leftovers, Path runDir, Duration grace) {
    for (Leftover l : leftovers) {
      LOG.warn(
          "stopping app process {} (instance {} of {}/{} release {}) left by a previous run of"
              + " this node: its release does not run here any more",
          l.instance().pid(),
          l.instance().id(),
          l.app(),
          l.env(),
          l.release());
    }
    terminate(leftovers.stream().map(Leftover::process).toList(), grace);
    leftovers.forEach(l -> InstanceFiles.deleteRunFiles(runDir, l.instance().id()));
  }

  /** The pid file's run file, if it is readable and names the same process. */
  private static Optional<RunFile> runFile(Path runDir, PidFile f) {
    try {
      RunFile r = RunFile.read(runDir.resolve(f.instanceId() + ".json"));
      return r.pid() == f.pid() ? Optional.of(r) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Run files and FIFOs whose instance has no pid file: a launch that never completed. */
  private static void deleteStrays(Path runDir) {
    if (!Files.isDirectory(runDir)) {
      return;
    }
    try (Stream<Path> files = Files.list(runDir)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        int dot = name.indexOf('.');
        if (dot <= 0 || name.endsWith(".pid")) {
          continue;
        }
        String suffix = name.substring(dot);
        boolean ours = List.of(".json", ".json.tmp", ".out.fifo", ".err.fifo").contains(suffix);
        if (ours && !Files.exists(runDir.resolve(name.substring(0, dot) + ".pid"))) {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot clean {}: {}", runDir, e.getMessage());
    }
  }

  /**
   * Stops every leftover app process found in {@code runDir} (SIGTERM, SIGKILL after {@code grace})
   * and deletes the pid files. Returns the pids it stopped.
   */
  public static List<Long> stopAll(Path runDir, Duration grace) {
    List<ProcessHandle> ours = new ArrayList<>();
    for (PidFile f : pidFiles(runDir)) {
      Optional<ProcessHandle> handle = ProcessHandle.of(f.pid());
      if (handle.isPresent() && isOurs(f, observe(handle.get()))) {
        LOG.warn(
            "stopping app process {} (instance {}) left by a previous run of this node",
            f.pid(),
            f.instanceId());
        ours.add(handle.get());
      } else if (handle.isPresent()) {
        LOG.info(
            "pid file {} names pid {}, which is no longer ours: left alone", f.path(), f.pid());
      }
    }
    terminate(ours, grace);
    for (PidFile f : pidFiles(runDir)) {
      InstanceFiles.deleteRunFiles(runDir, f.instanceId());
    }
    return ours.stream().map(ProcessHandle::pid).toList();
  }

  /** SIGTERM to the processes and their descendants, SIGKILL after {@code grace}; waits. */
  private static void terminate(List<ProcessHandle> ours, Duration grace) {
    if (ours.isEmpty()) {
      return;
    }
    List<ProcessHandle> children = new ArrayList<>(); // taken now: an exited parent has none
    for (ProcessHandle h : ours) {
      List<ProcessHandle> below = h.descendants().toList();
      below.forEach(ProcessHandle::destroy);
      children.addAll(below);
      h.destroy();
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
  }
}
