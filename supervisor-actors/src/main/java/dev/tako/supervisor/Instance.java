package dev.tako.supervisor;

import dev.tako.protocol.ports.InstancePorts;
import java.time.Duration;
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
 * the command (see {@link ProcessLaunch}), writes the pid file, probes health while starting (first
 * 2xx, then the stability window) and afterwards, and stops it (SIGTERM to it and its descendants,
 * SIGKILL after the grace time).
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

  /** What an instance reports to its parent. */
  public sealed interface Event {
    String id();
  }

  public record Started(String id, long pid, int port) implements Event {}

  public record Ready(String id) implements Event {}

  public record Unhealthy(String id, String reason) implements Event {}

  public record Healthy(String id) implements Event {}

  public record NeedsReplacement(String id, String reason) implements Event {}

  public record StartFailed(String id, String reason, Integer exitCode, List<String> lastStderr)
      implements Event {}

  public record Exited(String id, int exitCode, List<String> lastStderr) implements Event {}

  public record Stopped(String id, Integer exitCode) implements Event {}

  private record Launched(Process process, int port, List<LogPump> pumps) implements Command {}

  private record LaunchFailed(String reason) implements Command {}

  private record ProcessExited(int exitCode) implements Command {}

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
  private Process process; // set once launched; read by PostStop to never leave a process behind
  private List<LogPump> pumps = List.of();

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
                    new Instance(context, timers, id, spec, settings, probe, parent).launch()));
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
      ActorRef<Event> parent) {
    this.context = context;
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
                files.createDirectories();
                int port = InstancePorts.next(settings.instancePorts());
                Process p = ProcessLaunch.builder(spec, id, port, nodeEnv).start();
                List<LogPump> pumps = files.startPumps(p);
                try {
                  files.writePid(p.pid());
                } catch (java.io.IOException e) {
                  p.destroyForcibly();
                  throw e;
                }
                return new Launched(p, port, pumps);
              } catch (java.io.IOException e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            },
            blocking);
    context.pipeToSelf(
        launched,
        (ok, error) -> {
          if (ok != null) {
            return ok;
          }
          Throwable cause = error.getCause() != null ? error.getCause() : error;
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
              process = msg.process();
              pumps = msg.pumps();
              context.pipeToSelf(
                  process.onExit(),
                  (p, error) -> new ProcessExited(p != null ? p.exitValue() : -1));
              parent.tell(new Started(id, process.pid(), msg.port()));
              if (pending != null) {
                return stopping(pending);
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
              String reason = "exited with code " + msg.exitCode() + " before it was ready";
              return finish(tail -> new StartFailed(id, reason, msg.exitCode(), tail));
            })
        .onMessageEquals(Stop.INSTANCE, () -> stopping(this::stopped))
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
              return finish(tail -> new Exited(id, msg.exitCode(), tail));
            })
        .onMessageEquals(Stop.INSTANCE, () -> stopping(this::stopped))
        .onSignal(PostStop.class, signal -> killOnPostStop())
        .build();
  }

  /**
   * Terminates the process (SIGTERM to it and its descendants, SIGKILL after {@code termGrace});
   * once it is gone, reports {@code terminal.apply(exitCode, stderrTail)}.
   */
  private Behavior<Command> stopping(BiFunction<Integer, List<String>, Event> terminal) {
    timers.cancelAll();
    Process p = process;
    offThread(() -> signalTree(p, false));
    timers.startSingleTimer(KILL, KillTimedOut.INSTANCE, settings.termGrace());
    return Behaviors.receive(Command.class)
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
    Process exited = process;
    context.pipeToSelf(
        CompletableFuture.supplyAsync(
            () -> {
              if (killDescendants) {
                exited.descendants().forEach(ProcessHandle::destroyForcibly);
              }
              files.deletePid();
              draining.forEach(p -> p.await(PUMP_DRAIN));
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

  private Behavior<Command> killOnPostStop() {
    Process p = process;
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
  private static void signalTree(Process p, boolean forcibly) {
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
