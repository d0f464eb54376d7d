package dev.tako.supervisor;

import dev.tako.protocol.ports.InstancePorts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One OS process of one release. Owns the process from start to exit: picks a loopback port, starts
 * the command (see {@link ProcessLaunch}) with its output going through FIFOs it drains into the
 * log files ({@link LogPump}), writes the pid file and the {@link RunFile}, probes health while
 * starting (first 2xx, then the stability window) and afterwards, and stops it (SIGTERM to it and
 * its descendants, SIGKILL after the grace time).
 *
 * <p>{@link #adopt} takes over a process a previous node process left running instead (an upgrade
 * handover or a crash of the node): it drains the process's FIFOs again, reports {@link Started}
 * with the process's own pid, port and start time, and {@link Ready} at its first healthy probe (it
 * was serving, so no stability window); a process not healthy within the start timeout is stopped
 * and reported as {@link StartFailed}. Such a process is no child of this JVM: its exit code is
 * unknown (null, or -1 in {@link Exited}). {@link Detach} lets go of the process without signalling
 * it (the node process is about to be replaced): the actor stops, the process, its run files and
 * FIFOs stay, the pumps keep draining until this JVM exits.
 *
 * <p>It reports to its parent: {@link Started}, then {@link Ready}, {@link Unhealthy}/{@link
 * Healthy}/{@link NeedsReplacement} while running, and exactly one terminal event: {@link
 * StartFailed} (could not start, exited before ready, start timeout, failed in the stability
 * window), {@link Exited} (exited on its own after ready) or {@link Stopped} (after {@link Stop}).
 * Every terminal event is sent once the process is gone, and the actor stops right after it, so the
 * actor's termination means "no process left". If the actor itself stops for any other reason it
 * kills the process on the way out.
 */
public final class Instance {

  /** Lines of stderr carried by failure events. */
  public static final int STDERR_LINES = 20;

  /** How long a finished instance waits for its log pumps to write the last lines. */
  static final Duration PUMP_DRAIN = Duration.ofSeconds(1);

  public sealed interface Command {}

  /** Stop the process: SIGTERM, SIGKILL after {@code termGrace}; replies {@link Stopped}. */
  public enum Stop implements Command {
    INSTANCE
  }

  /**
   * The node process is about to be replaced: forget a started process without signalling it and
   * stop (no terminal event). One not started yet is stopped as after {@link Stop}; one already
   * stopping finishes as it would.
   */
  public enum Detach implements Command {
    INSTANCE
  }

  /** What an instance reports to its parent. */
  public sealed interface Event {
    String id();
  }

  /** The process runs: its pid and port, and when it started (an adopted one's own start time). */
  public record Started(String id, long pid, int port, Instant startedAt) implements Event {
    public Started(String id, long pid, int port) {
      this(id, pid, port, Instant.now());
    }
  }

  public record Ready(String id) implements Event {}

  public record Unhealthy(String id, String reason) implements Event {}

  public record Healthy(String id) implements Event {}

  public record NeedsReplacement(String id, String reason) implements Event {}

  public record StartFailed(String id, String reason, Integer exitCode, List<String> lastStderr)
      implements Event {}

  public record Exited(String id, int exitCode, List<String> lastStderr) implements Event {}

  public record Stopped(String id, Integer exitCode) implements Event {}

  /**
   * The process runs (launched or adopted); {@code exit} completes with its exit code (null when
   * unknown: not a child); {@code failure}: stop it at once and report this as a failed start.
   */
  private record Launched(
      ProcessHandle handle,
      CompletableFuture<Integer> exit,
      int port,
      Instant startedAt,
      List<LogPump> pumps,
      String failure)
      implements Command {}

  private record LaunchFailed(String reason) implements Command {}

  /** The process is gone; {@code exitCode} null when unknown. */
  private record ProcessExited(Integer exitCode) implements Command {}

  /** An adopted process is no child: while it stops, its exit is polled here, not by the JDK. */
  private enum ExitPoll implements Command {
    INSTANCE
  }

  private enum ProbeTick implements Command {
    INSTANCE
  }

  private record ProbeDone(HealthProbe.Outcome outcome) implements Command {}

  private enum StartTimedOut implements Command {
    INSTANCE
  }

  private enum StabilityReached implements Command {
    INSTANCE
  }

  private enum KillTimedOut implements Command {
    INSTANCE
  }

  private record Finished(Event event) implements Command {}

  private static final String PROBE = "probe";
  private static final String START = "start-timeout";
  private static final String STABLE = "stability";
  private static final String KILL = "kill";
  private static final String EXIT_POLL = "exit-poll";

  /** The pumps of detached processes: they drain the FIFOs until this JVM exits. */
  private static final java.util.Queue<LogPump> DETACHED_PUMPS =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  /** How often the exit of a stopping adopted process is checked. */
  static final Duration EXIT_POLL_INTERVAL = Duration.ofMillis(50);

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final String id;
  private final ReleaseSpec spec;
  private final SupervisorSettings settings;
  private final HealthProbe probe;
  private final ActorRef<Event> parent;
  private final InstanceFiles files;
  private final Executor blocking;
  private final Duration schedulerTick;
  private final Adoptable adopting; // null when it launches its process
  // Set once launched or adopted, null again after Detach; read by PostStop to never leave a
  // process behind.
  private ProcessHandle process;
  private List<LogPump> pumps = List.of();
  private boolean detachWhenAdopted; // Detach came while an adoption was under way

  public static Behavior<Command> create(
      String id,
      ReleaseSpec spec,
      SupervisorSettings settings,
      HealthProbe probe,
      ActorRef<Event> parent) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers ->
                    new Instance(context, timers, id, spec, settings, probe, parent, null)
                        .launch()));
  }

  /**
   * Takes over the process {@code adoptable} (of {@code spec}'s release, instance {@code
   * adoptable.id()}) a previous node process left running, see the class comment.
   */
  public static Behavior<Command> adopt(
      ReleaseSpec spec,
      SupervisorSettings settings,
      HealthProbe probe,
      ActorRef<Event> parent,
      Adoptable adoptable) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers ->
                    new Instance(
                            context,
                            timers,
                            adoptable.id(),
                            spec,
                            settings,
                            probe,
                            parent,
                            adoptable)
                        .adoptProcess()));
  }

  /**
   * The next probe of a starting instance. The scheduler ticks coarsely (tako-node.conf: a node
   * idles cheaply); an interval below its tick, as a cold start's, would wait for the next tick, so
   * it goes through the JDK's delayed executor instead (exact, and idle without a tick). That tick
   * cannot be cancelled: one arriving after the start is one extra probe, or dropped.
   */
  private void probeAfter(Duration interval) {
    if (interval.compareTo(schedulerTick) >= 0) {
      timers.startSingleTimer(PROBE, ProbeTick.INSTANCE, interval);
    } else {
      timers.cancel(PROBE);
      context.pipeToSelf(
          CompletableFuture.runAsync(
              () -> {},
              CompletableFuture.delayedExecutor(interval.toNanos(), TimeUnit.NANOSECONDS)),
          (ok, error) -> ProbeTick.INSTANCE);
    }
  }

  /**
   * Stops the pumps of detached processes as this JVM's exit would (the next node process drains
   * their FIFOs); for tests, where the JVM outlives the node it stands for.
   */
  static void stopDetachedPumps() {
    List<LogPump> stopping = new java.util.ArrayList<>();
    for (LogPump p; (p = DETACHED_PUMPS.poll()) != null; ) {
      stopping.add(p);
    }
    stopping.forEach(LogPump::stop);
    stopping.forEach(p -> p.await(PUMP_DRAIN));
  }

  /** A short random instance id: 8 hex digits. */
  public static String newId(Random random) {
    return String.format("%08x", random.nextInt());
  }

  private Instance(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      String id,
      ReleaseSpec spec,
      SupervisorSettings settings,
      HealthProbe probe,
      ActorRef<Event> parent,
      Adoptable adopting) {
    this.context = context;
    this.adopting = adopting;
    this.timers = timers;
    this.id = id;
    this.spec = spec;
    this.settings = settings;
    this.probe = probe;
    this.parent = parent;
    this.files = new InstanceFiles(spec, id);
    this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    this.schedulerTick =
        context.getSystem().settings().config().getDuration("pekko.scheduler.tick-duration");
  }

  private Behavior<Command> launch() {
    Map<String, String> nodeEnv = System.getenv();
    CompletableFuture<Launched> launched =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return start(nodeEnv);
              } catch (java.io.IOException e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            },
            blocking);
    return await(launched);
  }

  /**
   * Blocking: the FIFOs and their pumps first (the app's first line is never lost), then the
   * process, then its pid and run files. Whatever fails undoes what was done.
   */
  private Launched start(Map<String, String> nodeEnv) throws java.io.IOException {
    files.createDirectories();
    int port = InstancePorts.next(settings.instancePorts());
    ProcessBuilder builder = ProcessLaunch.builder(spec, id, port, nodeEnv);
    ProcessLaunch.requireProgram(ProcessLaunch.command(spec), builder.environment());
    files.createFifos();
    List<LogPump> started = List.of();
    Process p = null;
    try {
      started = files.startPumps();
      Instant startedAt = Instant.now();
      p = builder.start();
      files.writeRunFile(p.pid(), port, startedAt);
      files.writePid(p.pid());
      return new Launched(
          p.toHandle(), p.onExit().thenApply(Process::exitValue), port, startedAt, started, null);
    } catch (java.io.IOException | RuntimeException e) {
      if (p != null) {
        p.destroyForcibly();
      }
      started.forEach(LogPump::stop);
      files.deleteRunFiles();
      throw e;
    }
  }

  /**
   * Blocking: finds the process and drains its FIFOs again. A process that is gone is a failed
   * start; one whose FIFOs cannot be opened is stopped (its output could not go anywhere).
   */
  private Behavior<Command> adoptProcess() {
    Adoptable a = adopting;
    CompletableFuture<Launched> adopted =
        CompletableFuture.supplyAsync(
            () -> {
              ProcessHandle h =
                  ProcessHandle.of(a.pid())
                      .filter(ProcessHandle::isAlive)
                      .orElseThrow(
                          () ->
                              new IllegalStateException(
                                  "the process " + a.pid() + " to adopt is gone"));
              CompletableFuture<Integer> exit = h.onExit().thenApply(gone -> null);
              try {
                return new Launched(h, exit, a.port(), a.startedAt(), files.startPumps(), null);
              } catch (java.io.IOException e) {
                String failure = "cannot read the output of process " + a.pid() + ": " + e;
                return new Launched(h, exit, a.port(), a.startedAt(), List.of(), failure);
              }
            },
            blocking);
    return await(adopted);
  }

  private Behavior<Command> await(CompletableFuture<Launched> launched) {
    context.pipeToSelf(
        launched,
        (ok, error) -> {
          if (ok != null) {
            return ok;
          }
          Throwable cause = error.getCause() != null ? error.getCause() : error;
          if (adopting != null) {
            return new LaunchFailed(cause.getMessage());
          }
          return new LaunchFailed(
              "cannot start " + spec.command().get(0) + ": " + cause.getMessage());
        });
    timers.startSingleTimer(START, StartTimedOut.INSTANCE, settings.startTimeout());
    return launching(null);
  }

  /**
   * Waiting for the process to start. {@code pending} is the terminal event to stop with as soon as
   * it has started (after a {@link Stop} or the start timeout), null if none.
   */
  private Behavior<Command> launching(BiFunction<Integer, List<String>, Event> pending) {
    return Behaviors.receive(Command.class)
        .onMessage(
            Launched.class,
            msg -> {
              process = msg.handle();
              pumps = msg.pumps();
              context.pipeToSelf(msg.exit(), (code, error) -> new ProcessExited(code));
              parent.tell(new Started(id, process.pid(), msg.port(), msg.startedAt()));
              if (detachWhenAdopted && msg.failure() == null) {
                return detach();
              }
              if (pending != null) {
                return stopping(pending);
              }
              if (msg.failure() != null) {
                return stopping((code, tail) -> new StartFailed(id, msg.failure(), null, tail));
              }
              timers.startSingleTimer(PROBE, ProbeTick.INSTANCE, Duration.ZERO);
              return starting(msg.port(), false, "no probe answered yet");
            })
        .onMessage(
            LaunchFailed.class,
            msg -> {
              timers.cancelAll();
              return finish(tail -> new StartFailed(id, msg.reason(), null, List.of()));
            })
        .onMessageEquals(Stop.INSTANCE, () -> launching(this::stopped))
        .onMessageEquals(
            Detach.INSTANCE,
            () -> {
              if (adopting == null) {
                return launching(this::stopped); // not serving yet: the next node starts anew
              }
              detachWhenAdopted = true; // it was serving: left to the next node again
              return launching(pending != null ? pending : this::stopped);
            })
        .onMessageEquals(
            StartTimedOut.INSTANCE,
            () ->
                launching(
                    pending != null
                        ? pending
                        : (code, tail) ->
                            new StartFailed(id, "the process did not start in time", null, tail)))
        .onSignal(PostStop.class, signal -> killOnPostStop())
        .build();
  }

  private Behavior<Command> starting(int port, boolean stabilizing, String lastProbe) {
    return Behaviors.receive(Command.class)
        .onMessageEquals(ProbeTick.INSTANCE, () -> sendProbe(port))
        .onMessage(
            ProbeDone.class,
            msg -> {
              HealthProbe.Outcome outcome = msg.outcome();
              probeAfter(settings.startingProbeInterval());
              if (outcome.healthy() && adopting != null) {
                timers.cancel(START); // it was serving already: no stability window
                parent.tell(new Ready(id));
                return running(port, HealthTracker.of(settings));
              }
              if (outcome.healthy()) {
                if (!stabilizing) {
                  timers.startSingleTimer(
                      STABLE, StabilityReached.INSTANCE, settings.stabilityWindow());
                }
                return starting(port, true, outcome.detail());
              }
              if (stabilizing) {
                String reason =
                    "GET "
                        + spec.healthPath()
                        + " failed during the stability window: "
                        + outcome.detail();
                return stopping((code, tail) -> new StartFailed(id, reason, null, tail));
              }
              return starting(port, false, outcome.detail());
            })
        .onMessageEquals(
            StabilityReached.INSTANCE,
            () -> {
              timers.cancel(START);
              parent.tell(new Ready(id));
              return running(port, HealthTracker.of(settings));
            })
        .onMessageEquals(
            StartTimedOut.INSTANCE,
            () -> {
              String reason =
                  "not ready within "
                      + settings.startTimeout().toMillis()
                      + " ms (last GET "
                      + spec.healthPath()
                      + " on port "
                      + port
                      + ": "
                      + lastProbe
                      + ")";
              return stopping((code, tail) -> new StartFailed(id, reason, null, tail));
            })
        .onMessage(
            ProcessExited.class,
            msg -> {
              timers.cancelAll();
              String reason =
                  (msg.exitCode() == null ? "exited" : "exited with code " + msg.exitCode())
                      + " before it was ready";
              return finish(tail -> new StartFailed(id, reason, msg.exitCode(), tail));
            })
        .onMessageEquals(Stop.INSTANCE, () -> stopping(this::stopped))
        .onMessageEquals(Detach.INSTANCE, this::detach)
        .onSignal(PostStop.class, signal -> killOnPostStop())
        .build();
  }

  private Behavior<Command> running(int port, HealthTracker health) {
    return Behaviors.receive(Command.class)
        .onMessageEquals(ProbeTick.INSTANCE, () -> sendProbe(port))
        .onMessage(
            ProbeDone.class,
            msg -> {
              timers.startSingleTimer(PROBE, ProbeTick.INSTANCE, settings.probeInterval());
              HealthProbe.Outcome outcome = msg.outcome();
              HealthTracker next = outcome.healthy() ? health.success() : health.failure();
              if (health.routable() && !next.routable()) {
                parent.tell(new Unhealthy(id, outcome.detail()));
              } else if (!health.routable() && next.routable()) {
                parent.tell(new Healthy(id));
              }
              if (next.needsReplacement() && !health.needsReplacement()) {
                parent.tell(
                    new NeedsReplacement(
                        id, next.failures() + " failed health checks: " + outcome.detail()));
              }
              return running(port, next);
            })
        .onMessage(
            ProcessExited.class,
            msg -> {
              timers.cancelAll();
              int code = msg.exitCode() == null ? -1 : msg.exitCode();
              return finish(tail -> new Exited(id, code, tail));
            })
        .onMessageEquals(Stop.INSTANCE, () -> stopping(this::stopped))
        .onMessageEquals(Detach.INSTANCE, this::detach)
        .onSignal(PostStop.class, signal -> killOnPostStop())
        .build();
  }

  /**
   * Terminates the process (SIGTERM to it and its descendants, SIGKILL after {@code termGrace});
   * once it is gone, reports {@code terminal.apply(exitCode, stderrTail)}.
   */
  private Behavior<Command> stopping(BiFunction<Integer, List<String>, Event> terminal) {
    timers.cancelAll();
    ProcessHandle p = process;
    offThread(() -> signalTree(p, false));
    timers.startSingleTimer(KILL, KillTimedOut.INSTANCE, settings.termGrace());
    if (adopting != null) {
      timers.startTimerWithFixedDelay(EXIT_POLL, ExitPoll.INSTANCE, EXIT_POLL_INTERVAL);
    }
    return Behaviors.receive(Command.class)
        .onMessageEquals(
            ExitPoll.INSTANCE,
            () -> {
              if (!p.isAlive()) {
                context.getSelf().tell(new ProcessExited(null));
              }
              return Behaviors.same();
            })
        .onMessage(
            ProcessExited.class,
            msg -> {
              timers.cancelAll();
              // Descendants that ignored SIGTERM must not outlive the instance.
              return finish(tail -> terminal.apply(msg.exitCode(), tail), true);
            })
        .onMessageEquals(
            KillTimedOut.INSTANCE,
            () -> {
              offThread(() -> signalTree(p, true));
              return Behaviors.same();
            })
        .onSignal(PostStop.class, signal -> killOnPostStop())
        .onAnyMessage(msg -> Behaviors.same())
        .build();
  }

  /**
   * The process is gone: off-thread, let the log pumps write its last lines (briefly: a descendant
   * may still hold the pipes), read the stderr tail and drop the pid file, then report.
   */
  private Behavior<Command> finish(Function<List<String>, Event> event) {
    return finish(event, false);
  }

  /**
   * @param killDescendants first SIGKILL what is left of the process's descendants
   */
  private Behavior<Command> finish(Function<List<String>, Event> event, boolean killDescendants) {
    List<LogPump> draining = pumps;
    ProcessHandle exited = process;
    context.pipeToSelf(
        CompletableFuture.supplyAsync(
            () -> {
              if (killDescendants && exited != null) {
                exited.descendants().forEach(ProcessHandle::destroyForcibly);
              }
              draining.forEach(LogPump::stop);
              draining.forEach(p -> p.await(PUMP_DRAIN));
              files.deleteRunFiles();
              return files.errTail(STDERR_LINES);
            },
            blocking),
        (tail, error) -> new Finished(event.apply(tail != null ? tail : List.of())));
    return Behaviors.receive(Command.class)
        .onMessage(
            Finished.class,
            msg -> {
              parent.tell(msg.event());
              return Behaviors.stopped();
            })
        .onSignal(PostStop.class, signal -> killOnPostStop())
        .onAnyMessage(msg -> Behaviors.same())
        .build();
  }

  private Event stopped(Integer exitCode, List<String> tail) {
    return new Stopped(id, exitCode);
  }

  private Behavior<Command> sendProbe(int port) {
    context.pipeToSelf(
        probe.check(port, spec.healthPath()), (outcome, error) -> new ProbeDone(outcome));
    return Behaviors.same();
  }

  /** Lets go of the process: no signal, its files stay, the pumps drain until the JVM exits. */
  private Behavior<Command> detach() {
    timers.cancelAll();
    DETACHED_PUMPS.addAll(pumps);
    context
        .getLog()
        .info("instance {} of {}: detached from process {}", id, spec.app(), process.pid());
    process = null;
    return Behaviors.stopped();
  }

  private Behavior<Command> killOnPostStop() {
    ProcessHandle p = process;
    if (p != null && p.isAlive()) {
      offThread(() -> signalTree(p, true));
    }
    return Behaviors.same();
  }

  /**
   * SIGTERM (SIGKILL if {@code forcibly}) to the process's descendants, then to the process: the
   * descendants first, as they cannot be found once their parent is gone. Blocking (listing the
   * descendants walks /proc): call it through {@link #offThread}.
   */
  private static void signalTree(ProcessHandle p, boolean forcibly) {
    if (forcibly) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    } else {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
    }
  }

  /**
   * Runs {@code work} on the blocking dispatcher, or here if that no longer takes work (the actor
   * system is shutting down): a process must never outlive its instance.
   */
  private void offThread(Runnable work) {
    try {
      CompletableFuture.runAsync(work, blocking);
    } catch (RejectedExecutionException e) {
      work.run();
    }
  }
}
