package dev.tako.supervisor;

import dev.tako.protocol.CborSerializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The instances of one app/env on this node: those of the current release, those of an optional
 * candidate release being started for a deploy, and old ones being drained and stopped. One {@link
 * Instance} child per OS process; a slot (an instance id) outlives its processes across restarts.
 *
 * <p>It owns the desired instance count of the current release, restarts a current instance that
 * exits or needs replacement with the {@link RestartPolicy} backoff (showing {@code failed} after
 * {@link RestartPolicy#FAILED_AFTER} consecutive failures while it keeps retrying), tells the
 * listener the ready and healthy endpoints of the current release whenever they change, and answers
 * status queries. With 0 desired (scale to zero) it runs no instance until a {@link WakeUp}, then
 * one with fast readiness probes and no stability window, stopped again once the proxy saw no
 * request for the release's idle timeout; a woken instance that fails goes cold (counted in {@link
 * EndpointsChanged#wakeFailures()} if it never became ready) instead of restarting. A candidate
 * that fails to start is reported as {@link CandidateFailed} and its instances are stopped; nothing
 * of the current release changes. The supervisor stops itself after {@link StopAll} once every
 * process is gone.
 *
 * <p>Slots are mutable objects confined to this actor; everything it sends out is immutable.
 */
public final class AppSupervisor extends AbstractBehavior<AppSupervisor.Command> {

  public interface Command {}

  /**
   * Start {@code max(1, instances)} instances of {@code spec} beside the current ones ({@code
   * instances} becomes the desired count at the switch; with 0 the one instance runs until idle).
   * Replies {@link CandidateReady} when all are ready (at once if {@code spec} is already current)
   * or {@link CandidateFailed} at the first failure (the failing process is gone by then).
   */
  public record StartCandidate(ReleaseSpec spec, int instances, ActorRef<CandidateResult> replyTo)
      implements Command {}

  /**
   * Make the candidate current: old instances leave the endpoints at once and are stopped after the
   * drain delay. Replies after the switch.
   */
  public record PromoteCandidate(ActorRef<Done> replyTo) implements Command {}

  /** Stop the candidate's instances; replies when their processes are gone. */
  public record AbortCandidate(ActorRef<Done> replyTo) implements Command {}

  /** Desired instance count of the current release (0 stops them all). */
  public record Scale(int instances) implements Command {}

  /**
   * A request arrived for the app scaled to zero: start one instance of the current release (with
   * the cold-start probe settings) unless one runs or starts already. Ignored when desired > 0.
   */
  public enum WakeUp implements Command, CborSerializable {
    INSTANCE
  }

  /** After a node restart: run {@code spec} as the current release directly. */
  public record Restore(ReleaseSpec spec, int instances) implements Command {}

  /** Stop every instance; replies when every process is gone, then the supervisor stops. */
  public record StopAll(ActorRef<Done> replyTo) implements Command {}

  public record GetStatus(ActorRef<AppStatus> replyTo) implements Command {}

  public sealed interface CandidateResult extends CborSerializable {}

  public record CandidateReady(String release, List<Endpoint> endpoints)
      implements CandidateResult {
    public CandidateReady {
      endpoints = List.copyOf(endpoints);
    }
  }

  public record CandidateFailed(
      String release, String reason, Integer exitCode, List<String> lastStderr)
      implements CandidateResult {
    public CandidateFailed {
      lastStderr = List.copyOf(lastStderr);
    }
  }

  public record AppStatus(String release, int desired, List<InstanceStatus> instances)
      implements CborSerializable {
    public AppStatus {
      instances = List.copyOf(instances);
    }
  }

  /** One instance; {@code state} is starting, ready, draining, stopped or failed. */
  public record InstanceStatus(
      String id,
      Long pid,
      int port,
      String state,
      boolean healthy,
      int restarts,
      String release,
      Instant startedAt,
      Integer exitCode,
      String reason,
      List<String> lastStderr)
      implements CborSerializable {
    public InstanceStatus {
      lastStderr = List.copyOf(lastStderr);
    }
  }

  /**
   * The ready and healthy endpoints of the current release (possibly none); {@code cold}: the app
   * is scaled to zero (a request should {@link WakeUp wake} it), {@code wakeFailures}: how many of
   * its cold starts failed so far.
   */
  public record EndpointsChanged(
      String app,
      String env,
      String release,
      List<Endpoint> endpoints,
      boolean cold,
      long wakeFailures)
      implements CborSerializable {
    public EndpointsChanged {
      endpoints = List.copyOf(endpoints);
    }

    public EndpointsChanged(String app, String env, String release, List<Endpoint> endpoints) {
      this(app, env, release, endpoints, false, 0);
    }
  }

  private record FromInstance(Instance.Event event) implements Command {}

  private record InstanceGone(String id, long generation) implements Command {}

  private record RestartDue(String id) implements Command {}

  private record DrainElapsed(String id) implements Command {}

  private enum IdleCheck implements Command {
    INSTANCE
  }

  private enum Role {
    CURRENT,
    CANDIDATE,
    RETIRING
  }

  private static final class Slot {
    final String id;
    final ReleaseSpec spec;
    final boolean wasCandidate;
    final boolean coldStart;
    Role role;
    ActorRef<Instance.Command> ref;
    long generation;
    Long pid;
    int port;
    java.time.Instant drainSince;
    String state = "starting";
    boolean ready;
    boolean healthy;
    boolean stopSent;
    boolean terminalSeen;
    int restarts;
    int failures;
    Instant startedAt;
    Instant readySince;
    long readyNanos;
    boolean everReady;
    Integer exitCode;
    String reason;
    List<String> lastStderr = List.of();

    Slot(String id, ReleaseSpec spec, Role role, boolean coldStart) {
      this.id = id;
      this.spec = spec;
      this.role = role;
      this.wasCandidate = role == Role.CANDIDATE;
      this.coldStart = coldStart;
    }

    boolean routable() {
      return ready && healthy;
    }

    Endpoint endpoint() {
      return new Endpoint("127.0.0.1", port, id);
    }
  }

  private static final class Candidate {
    final ReleaseSpec spec;
    final int instances;

    /** Desired after the switch: 0 keeps the one warm instance until it is idle. */
    final int desired;

    final List<ActorRef<CandidateResult>> waiters = new ArrayList<>();
    boolean answered;

    Candidate(ReleaseSpec spec, int instances, int desired) {
      this.spec = spec;
      this.instances = instances;
      this.desired = desired;
    }
  }

  private record DoneWaiter(Set<String> ids, ActorRef<Done> replyTo) {}

  private final String app;
  private final String env;
  private final SupervisorSettings settings;
  private final ActorRef<EndpointsChanged> listener;
  private final TimerScheduler<Command> timers;
  private final RestartPolicy restartPolicy;
  private final HealthProbe probe;
  private final ActorRef<Instance.Event> instanceAdapter;

  private final Map<String, Slot> slots = new LinkedHashMap<>();
  private final List<DoneWaiter> doneWaiters = new ArrayList<>();
  private ReleaseSpec current;
  private int desired;

  /** With desired 0: one instance should run (woken by a request, or started by a deploy). */
  private boolean awake;

  private long wakeFailures;
  private Candidate candidate;
  private boolean stopping;
  private EndpointsChanged published;

  public static Behavior<Command> create(
      String app, String env, SupervisorSettings settings, ActorRef<EndpointsChanged> listener) {
    return create(app, env, settings, listener, InFlight.NONE);
  }

  /**
   * @param inFlight requests in flight to an instance (from the proxy): an old instance is stopped
   *     as soon as none are left
   */
  public static Behavior<Command> create(
      String app,
      String env,
      SupervisorSettings settings,
      ActorRef<EndpointsChanged> listener,
      InFlight inFlight) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> {
                  AppSupervisor s =
                      new AppSupervisor(context, timers, app, env, settings, listener);
                  s.inFlight = inFlight;
                  return s;
                }));
  }

  private InFlight inFlight = InFlight.NONE;

  private AppSupervisor(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      String app,
      String env,
      SupervisorSettings settings,
      ActorRef<EndpointsChanged> listener) {
    super(context);
    this.app = app;
    this.env = env;
    this.settings = settings;
    this.listener = listener;
    this.timers = timers;
    this.restartPolicy = RestartPolicy.of(settings);
    this.probe = new HealthProbe(settings.probeTimeout());
    this.instanceAdapter = context.messageAdapter(Instance.Event.class, FromInstance::new);
    this.published = new EndpointsChanged(app, env, null, List.of());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(StartCandidate.class, this::onStartCandidate)
        .onMessage(PromoteCandidate.class, this::onPromote)
        .onMessage(AbortCandidate.class, this::onAbort)
        .onMessage(Scale.class, this::onScale)
        .onMessage(Restore.class, this::onRestore)
        .onMessage(StopAll.class, this::onStopAll)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(FromInstance.class, this::onInstanceEvent)
        .onMessage(InstanceGone.class, this::onInstanceGone)
        .onMessage(RestartDue.class, this::onRestartDue)
        .onMessage(DrainElapsed.class, this::onDrainElapsed)
        .onMessageEquals(WakeUp.INSTANCE, this::onWakeUp)
        .onMessageEquals(IdleCheck.INSTANCE, this::onIdleCheck)
        .build();
  }

  // ---- commands ----

  private Behavior<Command> onStartCandidate(StartCandidate msg) {
    ReleaseSpec spec = msg.spec();
    if (stopping) {
      msg.replyTo()
          .tell(new CandidateFailed(spec.release(), "the app is being stopped", null, List.of()));
      return this;
    }
    // The same release with the same environment is already running; a changed environment (new
    // secrets) is a new generation of the release and starts beside the current one.
    if (current != null && current.equals(spec)) {
      msg.replyTo().tell(new CandidateReady(spec.release(), endpoints(Role.CURRENT)));
      return this;
    }
    if (candidate != null) {
      if (candidate.spec.equals(spec)) {
        if (candidate.answered) {
          msg.replyTo().tell(new CandidateReady(spec.release(), endpoints(Role.CANDIDATE)));
        } else {
          candidate.waiters.add(msg.replyTo());
        }
        return this;
      }
      failCandidate(
          new CandidateFailed(
              candidate.spec.release(),
              "superseded by release " + spec.release(),
              null,
              List.of()));
    }
    int instances = Math.max(1, msg.instances());
    candidate = new Candidate(spec, instances, Math.max(0, msg.instances()));
    candidate.waiters.add(msg.replyTo());
    getContext()
        .getLog()
        .info("{}/{}: starting {} instance(s) of {}", app, env, instances, spec.release());
    for (int i = 0; i < instances; i++) {
      addSlot(spec, Role.CANDIDATE, false);
    }
    return this;
  }

  private Behavior<Command> onPromote(PromoteCandidate msg) {
    if (candidate == null || stopping) {
      msg.replyTo().tell(Done.getInstance());
      return this;
    }
    Candidate promoted = candidate;
    candidate = null;
    if (!promoted.answered) {
      promoted.waiters.forEach(
          w ->
              w.tell(
                  new CandidateFailed(
                      promoted.spec.release(), "promoted before it was ready", null, List.of())));
    }
    for (Slot s : List.copyOf(slots.values())) {
      if (s.role == Role.CURRENT) {
        retire(s, true);
      } else if (s.role == Role.CANDIDATE) {
        s.role = Role.CURRENT;
      }
    }
    current = promoted.spec;
    desired = promoted.desired;
    awake = desired == 0;
    getContext().getLog().info("{}/{}: {} is now current", app, env, current.release());
    reconcile();
    publish();
    msg.replyTo().tell(Done.getInstance());
    return this;
  }

  private Behavior<Command> onAbort(AbortCandidate msg) {
    if (candidate != null) {
      failCandidate(new CandidateFailed(candidate.spec.release(), "aborted", null, List.of()));
    }
    Set<String> ids = new HashSet<>();
    for (Slot s : slots.values()) {
      if (s.wasCandidate && s.role == Role.RETIRING) {
        ids.add(s.id);
      }
    }
    awaitGone(ids, msg.replyTo());
    return this;
  }

  private Behavior<Command> onScale(Scale msg) {
    if (stopping) {
      return this;
    }
    if (current == null) {
      getContext().getLog().warn("{}/{}: no current release to scale", app, env);
      return this;
    }
    desired = Math.max(0, msg.instances());
    awake = false;
    reconcile();
    publish();
    return this;
  }

  private Behavior<Command> onWakeUp() {
    if (stopping || current == null || desired > 0 || awake) {
      return this;
    }
    awake = true;
    getContext().getLog().info("{}/{}: a request wakes {}", app, env, current.release());
    reconcile();
    publish();
    return this;
  }

  /** With desired 0: stop the instance once nothing went to it for the idle timeout. */
  private Behavior<Command> onIdleCheck() {
    if (stopping || current == null || desired > 0 || !awake) {
      timers.cancel(IdleCheck.INSTANCE);
      return this;
    }
    long now = System.nanoTime();
    long idleNanos = current.idleTimeout().toNanos();
    List<Slot> live = slots.values().stream().filter(s -> s.role == Role.CURRENT).toList();
    boolean idle =
        !live.isEmpty()
            && live.stream()
                .allMatch(
                    s -> {
                      if (!s.routable() || s.port <= 0 || inFlight.count(s.port) > 0) {
                        return false;
                      }
                      long last = Math.max(s.readyNanos, inFlight.lastActiveNanos(s.port));
                      return now - last >= idleNanos;
                    });
    if (idle) {
      getContext()
          .getLog()
          .info("{}/{}: idle for {}, stopping its instance", app, env, current.idleTimeout());
      awake = false;
      timers.cancel(IdleCheck.INSTANCE);
      reconcile();
      publish();
    }
    return this;
  }

  private Behavior<Command> onRestore(Restore msg) {
    if (stopping) {
      return this;
    }
    if (current == null || !current.release().equals(msg.spec().release())) {
      for (Slot s : List.copyOf(slots.values())) {
        if (s.role == Role.CURRENT) {
          retire(s, true);
        }
      }
      current = msg.spec();
    }
    desired = Math.max(0, msg.instances());
    awake = false;
    reconcile();
    publish();
    return this;
  }

  private Behavior<Command> onStopAll(StopAll msg) {
    stopping = true;
    desired = 0;
    if (candidate != null) {
      failCandidate(
          new CandidateFailed(
              candidate.spec.release(), "the app is being stopped", null, List.of()));
    }
    for (Slot s : List.copyOf(slots.values())) {
      retire(s, false);
      sendStop(s); // also those already draining
    }
    awaitGone(new HashSet<>(slots.keySet()), msg.replyTo());
    publish();
    return stopWhenEmpty();
  }

  private Behavior<Command> onGetStatus(GetStatus msg) {
    List<InstanceStatus> instances = new ArrayList<>();
    for (Slot s : slots.values()) {
      instances.add(
          new InstanceStatus(
              s.id,
              s.pid,
              s.port,
              s.state,
              s.routable(),
              s.restarts,
              s.spec.release(),
              s.startedAt,
              s.exitCode,
              s.reason,
              s.lastStderr));
    }
    msg.replyTo()
        .tell(new AppStatus(current == null ? null : current.release(), desired, instances));
    return this;
  }

  // ---- instance lifecycle ----

  private Behavior<Command> onInstanceEvent(FromInstance msg) {
    Instance.Event event = msg.event();
    Slot s = slots.get(event.id());
    if (s == null) {
      return this;
    }
    if (event instanceof Instance.Started e) {
      s.pid = e.pid();
      s.port = e.port();
      s.startedAt = Instant.now();
    } else if (event instanceof Instance.Ready) {
      s.ready = true;
      s.healthy = true;
      s.readySince = Instant.now();
      s.readyNanos = System.nanoTime();
      s.everReady = true;
      s.exitCode = null;
      s.reason = null;
      s.lastStderr = List.of();
      if (s.role != Role.RETIRING) {
        s.state = "ready";
      }
      if (s.role == Role.CANDIDATE) {
        checkCandidateReady();
      }
    } else if (event instanceof Instance.Unhealthy e) {
      s.healthy = false;
      s.reason = e.reason();
    } else if (event instanceof Instance.Healthy) {
      s.healthy = true;
      s.reason = null;
    } else if (event instanceof Instance.NeedsReplacement e) {
      if (s.role != Role.RETIRING) {
        failed(s, e.reason(), null, List.of());
        sendStop(s);
      }
    } else if (event instanceof Instance.StartFailed e) {
      s.terminalSeen = true;
      failed(s, e.reason(), e.exitCode(), e.lastStderr());
    } else if (event instanceof Instance.Exited e) {
      s.terminalSeen = true;
      failed(s, "exited with code " + e.exitCode(), e.exitCode(), e.lastStderr());
    } else if (event instanceof Instance.Stopped e) {
      s.terminalSeen = true;
      s.ready = false;
      if (s.role == Role.RETIRING) {
        s.state = "stopped";
        s.exitCode = e.exitCode();
      }
    }
    publish();
    return this;
  }

  private Behavior<Command> onInstanceGone(InstanceGone msg) {
    Slot s = slots.get(msg.id());
    if (s == null || s.generation != msg.generation()) {
      return this;
    }
    s.ref = null;
    s.ready = false;
    if (s.role == Role.RETIRING) {
      slots.remove(s.id);
      answerDoneWaiters();
    } else {
      if (!s.terminalSeen) {
        failed(s, "instance supervision stopped unexpectedly", null, List.of());
      }
      if (s.role != Role.RETIRING) {
        Duration delay = restartPolicy.delay(Math.max(1, s.failures));
        timers.startSingleTimer("restart-" + s.id, new RestartDue(s.id), delay);
      }
    }
    publish();
    return stopWhenEmpty();
  }

  private Behavior<Command> onRestartDue(RestartDue msg) {
    Slot s = slots.get(msg.id());
    if (s != null && s.role != Role.RETIRING && s.ref == null && !stopping) {
      s.restarts++;
      getContext()
          .getLog()
          .info("{}/{}: restarting instance {} (restart {})", app, env, s.id, s.restarts);
      spawn(s);
    }
    return this;
  }

  /** Drain: SIGTERM once no request is in flight to the instance, or at the drain timeout. */
  private Behavior<Command> onDrainElapsed(DrainElapsed msg) {
    Slot s = slots.get(msg.id());
    if (s == null || s.role != Role.RETIRING) {
      return this;
    }
    if (s.drainSince == null) {
      s.drainSince = java.time.Instant.now();
    }
    boolean busy = s.port > 0 && inFlight.count(s.port) > 0;
    boolean timedOut =
        Duration.between(s.drainSince, java.time.Instant.now()).compareTo(settings.drainTimeout())
            >= 0;
    if (busy && !timedOut) {
      timers.startSingleTimer("drain-" + s.id, new DrainElapsed(s.id), Duration.ofMillis(50));
    } else {
      sendStop(s);
    }
    return this;
  }

  // ---- helpers ----

  /** Records a failure of a live slot; a not yet answered candidate fails as a whole. */
  private void failed(Slot s, String reason, Integer exitCode, List<String> lastStderr) {
    Duration readyFor =
        s.readySince == null ? Duration.ZERO : Duration.between(s.readySince, Instant.now());
    s.ready = false;
    s.healthy = false;
    s.readySince = null;
    if (exitCode != null) {
      s.exitCode = exitCode;
    }
    s.reason = reason;
    if (!lastStderr.isEmpty()) {
      s.lastStderr = List.copyOf(lastStderr);
    }
    if (s.role == Role.RETIRING) {
      s.state = "stopped";
      return;
    }
    if (s.role == Role.CANDIDATE && candidate != null && !candidate.answered) {
      failCandidate(
          new CandidateFailed(
              s.spec.release(), "instance " + s.id + " " + reason, exitCode, s.lastStderr));
      return;
    }
    if (s.role == Role.CURRENT && desired == 0) {
      // Scaled to zero: no restart loop; the app goes cold and the next request starts it again.
      // A start that never became ready answers the waiting requests with 502.
      if (!s.everReady) {
        wakeFailures++;
      }
      awake = false;
      getContext()
          .getLog()
          .warn("{}/{}: instance {} failed while scaled to zero: {}", app, env, s.id, reason);
      retire(s, false);
      return;
    }
    s.failures = restartPolicy.afterFailure(s.failures, readyFor);
    s.state = restartPolicy.failed(s.failures) ? "failed" : "starting";
    getContext()
        .getLog()
        .warn(
            "{}/{}: instance {} of {} failed ({} in a row): {}",
            app,
            env,
            s.id,
            s.spec.release(),
            s.failures,
            reason);
  }

  private void failCandidate(CandidateFailed failure) {
    Candidate c = candidate;
    candidate = null;
    getContext()
        .getLog()
        .warn("{}/{}: candidate {} failed: {}", app, env, failure.release(), failure.reason());
    c.waiters.forEach(w -> w.tell(failure));
    for (Slot s : List.copyOf(slots.values())) {
      if (s.role == Role.CANDIDATE) {
        retire(s, false);
      }
    }
  }

  private void checkCandidateReady() {
    if (candidate == null || candidate.answered) {
      return;
    }
    boolean allReady =
        slots.values().stream().filter(s -> s.role == Role.CANDIDATE).allMatch(s -> s.ready);
    if (allReady) {
      candidate.answered = true;
      CandidateReady ready =
          new CandidateReady(candidate.spec.release(), endpoints(Role.CANDIDATE));
      candidate.waiters.forEach(w -> w.tell(ready));
      candidate.waiters.clear();
    }
  }

  /** Starts or retires current slots until their count matches {@code desired}. */
  private void reconcile() {
    if (current == null) {
      return;
    }
    List<Slot> live = slots.values().stream().filter(s -> s.role == Role.CURRENT).toList();
    int want = desired > 0 ? desired : (awake ? 1 : 0);
    for (int i = live.size(); i < want; i++) {
      addSlot(current, Role.CURRENT, desired == 0);
    }
    if (desired == 0 && awake) {
      timers.startTimerWithFixedDelay(
          IdleCheck.INSTANCE, IdleCheck.INSTANCE, settings.idleCheckInterval());
    }
    if (live.size() > want) {
      // Retire the least useful first: not routable ones, then the newest.
      List<Slot> order = new ArrayList<>(live);
      java.util.Collections.reverse(order);
      order.sort(Comparator.comparing(Slot::routable));
      order.subList(0, live.size() - want).forEach(s -> retire(s, true));
    }
  }

  private void addSlot(ReleaseSpec spec, Role role, boolean coldStart) {
    String id;
    do {
      id = Instance.newId(ThreadLocalRandom.current());
    } while (slots.containsKey(id));
    Slot s = new Slot(id, spec, role, coldStart);
    slots.put(id, s);
    spawn(s);
  }

  private void spawn(Slot s) {
    s.generation++;
    s.ref =
        getContext()
            .spawn(
                Instance.create(
                    s.id,
                    s.spec,
                    s.coldStart ? settings.forColdStart() : settings,
                    probe,
                    instanceAdapter),
                "instance-" + s.id + "-" + s.generation);
    getContext().watchWith(s.ref, new InstanceGone(s.id, s.generation));
    s.ready = false;
    s.healthy = false;
    s.stopSent = false;
    s.terminalSeen = false;
    s.readySince = null;
    if (!restartPolicy.failed(s.failures)) {
      s.state = "starting";
    }
  }

  /** Takes a slot out of service: drained (endpoints first, SIGTERM later) or stopped now. */
  private void retire(Slot s, boolean drain) {
    timers.cancel("restart-" + s.id);
    boolean wasRoutable = s.role == Role.CURRENT && s.routable();
    s.role = Role.RETIRING;
    if (s.ref == null) {
      slots.remove(s.id);
      answerDoneWaiters();
      return;
    }
    if (!"stopped".equals(s.state)) {
      s.state = "draining";
    }
    if (drain && wasRoutable && settings.drainDelay().compareTo(Duration.ZERO) > 0) {
      timers.startSingleTimer("drain-" + s.id, new DrainElapsed(s.id), settings.drainDelay());
    } else {
      sendStop(s);
    }
  }

  private void sendStop(Slot s) {
    timers.cancel("drain-" + s.id);
    // After a terminal event the instance stops by itself: its process is already gone.
    if (s.ref != null && !s.stopSent && !s.terminalSeen) {
      s.stopSent = true;
      s.ref.tell(Instance.Stop.INSTANCE);
    }
  }

  private void awaitGone(Set<String> ids, ActorRef<Done> replyTo) {
    doneWaiters.add(new DoneWaiter(Set.copyOf(ids), replyTo));
    answerDoneWaiters();
  }

  private void answerDoneWaiters() {
    doneWaiters.removeIf(
        w -> {
          if (w.ids().stream().noneMatch(slots::containsKey)) {
            w.replyTo().tell(Done.getInstance());
            return true;
          }
          return false;
        });
  }

  private Behavior<Command> stopWhenEmpty() {
    if (stopping && slots.isEmpty()) {
      getContext().getLog().info("{}/{}: all instances stopped", app, env);
      return Behaviors.stopped();
    }
    return this;
  }

  private List<Endpoint> endpoints(Role role) {
    return slots.values().stream()
        .filter(s -> s.role == role && s.routable())
        .map(Slot::endpoint)
        .toList();
  }

  /** Tells the listener when the routable endpoints of the current release changed. */
  private void publish() {
    EndpointsChanged now =
        new EndpointsChanged(
            app,
            env,
            current == null ? null : current.release(),
            endpoints(Role.CURRENT),
            !stopping && current != null && desired == 0,
            wakeFailures);
    if (!Objects.equals(now, published)) {
      published = now;
      listener.tell(now);
    }
  }
}
