package dev.tako.supervisor;

import dev.tako.protocol.CborSerializable;
import dev.tako.protocol.api.StatusView;
import dev.tako.supervisor.ReplacementPolicy.AfterFailure;
import dev.tako.supervisor.Slot.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
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
 * Instance} child per OS process; a {@link Slot} (an instance id) outlives its processes across
 * restarts.
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
 * <p>The decisions are plain policies ({@link ScalePolicy}, {@link IdlePolicy}, {@link
 * ReplacementPolicy}, {@link RestartPolicy}); the slots are confined to this actor; everything it
 * sends out is immutable.
 */
public final class AppSupervisor extends AbstractBehavior<AppSupervisor.Command> {

  public sealed interface Command {}

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

  /** One instance slot, as its supervisor sees it now. */
  public record InstanceStatus(
      String id,
      Long pid,
      int port,
      InstanceState state,
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

    /** What {@code tako status} shows of it: the state as its word, the uptime at {@code now}. */
    public StatusView.InstanceView toView(Instant now) {
      long uptimeS =
          startedAt == null ? 0 : Math.max(0, Duration.between(startedAt, now).getSeconds());
      return new StatusView.InstanceView(
          id,
          pid,
          port,
          state.wireName(),
          healthy,
          restarts,
          release,
          uptimeS,
          exitCode,
          reason,
          lastStderr);
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

  // Package-private: the timers and watches of Slots send them.

  record InstanceGone(String id, long generation) implements Command {}

  record RestartDue(String id) implements Command {}

  record DrainElapsed(String id) implements Command {}

  private enum IdleCheck implements Command {
    INSTANCE
  }

  private final String app;
  private final String env;
  private final SupervisorSettings settings;
  private final ActorRef<EndpointsChanged> listener;
  private final InFlight inFlight;
  private final TimerScheduler<Command> timers;
  private final Slots slots;
  private final Deploys deploys;
  private ReleaseSpec current;
  private int desired;

  /** With desired 0: one instance should run (woken by a request, or started by a deploy). */
  private boolean awake;

  private long wakeFailures;
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
                timers ->
                    new AppSupervisor(context, timers, app, env, settings, listener, inFlight)));
  }

  private AppSupervisor(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      String app,
      String env,
      SupervisorSettings settings,
      ActorRef<EndpointsChanged> listener,
      InFlight inFlight) {
    super(context);
    this.app = app;
    this.env = env;
    this.settings = settings;
    this.listener = listener;
    this.inFlight = inFlight;
    this.timers = timers;
    this.slots =
        new Slots(
            context,
            timers,
            settings,
            inFlight,
            context.messageAdapter(Instance.Event.class, FromInstance::new));
    this.deploys = new Deploys(slots, context.getLog(), app + "/" + env);
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

  // ---- a deploy's candidate (see Deploys) ----

  private Behavior<Command> onStartCandidate(StartCandidate msg) {
    deploys.start(msg, current, stopping);
    return this;
  }

  private Behavior<Command> onPromote(PromoteCandidate msg) {
    Candidate promoted = stopping ? null : deploys.promote();
    if (promoted != null) {
      current = promoted.spec();
      desired = promoted.desired();
      awake = desired == 0;
      getContext().getLog().info("{}/{}: {} is now current", app, env, current.release());
      reconcile();
      publish();
    }
    msg.replyTo().tell(Done.getInstance());
    return this;
  }

  private Behavior<Command> onAbort(AbortCandidate msg) {
    deploys.abort(msg.replyTo());
    return this;
  }

  // ---- the current release: scale, scale to zero, restore, stop ----

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
    List<IdlePolicy.Activity> running =
        slots.withRole(Role.CURRENT).stream()
            .map(s -> new IdlePolicy.Activity(s.routable(), s.port(), s.readyNanos()))
            .toList();
    if (IdlePolicy.idle(running, inFlight, System.nanoTime(), current.idleTimeout())) {
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
      for (Slot s : slots.all()) {
        if (s.is(Role.CURRENT)) {
          slots.retire(s, true);
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
    deploys.failIfAny("the app is being stopped");
    for (Slot s : slots.all()) {
      slots.retire(s, false);
      slots.sendStop(s); // also those already draining
    }
    slots.awaitGone(slots.ids(), msg.replyTo());
    publish();
    return stopWhenEmpty();
  }

  private Behavior<Command> onGetStatus(GetStatus msg) {
    String release = current == null ? null : current.release();
    msg.replyTo().tell(new AppStatus(release, desired, slots.statuses()));
    return this;
  }

  /** Starts or retires current slots until their count matches what {@link ScalePolicy} wants. */
  private void reconcile() {
    if (current == null) {
      return;
    }
    List<Slot> running = slots.withRole(Role.CURRENT);
    int wanted = ScalePolicy.wanted(desired, awake);
    for (int i = ScalePolicy.toStart(running.size(), wanted); i > 0; i--) {
      slots.add(current, Role.CURRENT, desired == 0);
    }
    if (desired == 0 && awake) {
      timers.startTimerWithFixedDelay(
          IdleCheck.INSTANCE, IdleCheck.INSTANCE, settings.idleCheckInterval());
    }
    ScalePolicy.toRetire(running, wanted, Slot::routable).forEach(s -> slots.retire(s, true));
  }

  // ---- instance lifecycle: one handler per instance event ----

  private Behavior<Command> onInstanceEvent(FromInstance msg) {
    Instance.Event event = msg.event();
    Slot s = slots.get(event.id());
    if (s == null) {
      return this;
    }
    if (event instanceof Instance.Started e) {
      s.started(e.pid(), e.port(), Instant.now());
    } else if (event instanceof Instance.Ready) {
      onReady(s);
    } else if (event instanceof Instance.Unhealthy e) {
      s.unhealthy(e.reason());
    } else if (event instanceof Instance.Healthy) {
      s.healthyAgain();
    } else if (event instanceof Instance.NeedsReplacement e) {
      onNeedsReplacement(s, e);
    } else if (event instanceof Instance.StartFailed e) {
      s.terminal();
      failed(s, e.reason(), e.exitCode(), e.lastStderr());
    } else if (event instanceof Instance.Exited e) {
      s.terminal();
      failed(s, "exited with code " + e.exitCode(), e.exitCode(), e.lastStderr());
    } else if (event instanceof Instance.Stopped e) {
      s.stopped(e.exitCode());
    }
    publish();
    return this;
  }

  private void onReady(Slot s) {
    s.becameReady(Instant.now(), System.nanoTime());
    if (s.is(Role.CANDIDATE)) {
      deploys.checkReady();
    }
  }

  private void onNeedsReplacement(Slot s, Instance.NeedsReplacement e) {
    if (!s.is(Role.RETIRING)) {
      failed(s, e.reason(), null, List.of());
      slots.sendStop(s);
    }
  }

  /** Records a failure of a live slot and carries out what {@link ReplacementPolicy} says. */
  private void failed(Slot s, String reason, Integer exitCode, List<String> lastStderr) {
    Duration readyFor = s.failed(reason, exitCode, lastStderr, Instant.now());
    AfterFailure next = ReplacementPolicy.afterFailure(s.role(), deploys.pending(), desired);
    switch (next) {
      case NONE -> {}
      case FAIL_CANDIDATE ->
          deploys.fail(
              new CandidateFailed(
                  s.spec().release(),
                  "instance " + s.id() + " " + reason,
                  exitCode,
                  s.lastStderr()));
      case GO_COLD -> {
        // A start that never became ready answers the waiting requests with 502.
        if (!s.everReady()) {
          wakeFailures++;
        }
        awake = false;
        getContext()
            .getLog()
            .warn("{}/{}: instance {} failed while scaled to zero: {}", app, env, s.id(), reason);
        slots.retire(s, false);
      }
      case RESTART -> {
        s.failedInARow(slots.restartPolicy(), readyFor);
        getContext()
            .getLog()
            .warn(
                "{}/{}: instance {} of {} failed ({} in a row): {}",
                app,
                env,
                s.id(),
                s.spec().release(),
                s.failures(),
                reason);
      }
    }
  }

  /** The instance actor is gone: a retiring slot goes too, any other restarts after backoff. */
  private Behavior<Command> onInstanceGone(InstanceGone msg) {
    Slot s = slots.get(msg.id());
    if (s == null || s.generation() != msg.generation()) {
      return this;
    }
    s.gone();
    if (s.is(Role.RETIRING)) {
      slots.remove(s);
    } else {
      if (!s.terminalSeen()) {
        failed(s, "instance supervision stopped unexpectedly", null, List.of());
      }
      if (!s.is(Role.RETIRING)) {
        slots.restartLater(s);
      }
    }
    publish();
    return stopWhenEmpty();
  }

  private Behavior<Command> onRestartDue(RestartDue msg) {
    Slot s = slots.get(msg.id());
    if (s != null && !s.is(Role.RETIRING) && !s.running() && !stopping) {
      s.restarting();
      getContext()
          .getLog()
          .info("{}/{}: restarting instance {} (restart {})", app, env, s.id(), s.restarts());
      slots.spawn(s);
    }
    return this;
  }

  /** Drain: SIGTERM once no request is in flight to the instance, or at the drain timeout. */
  private Behavior<Command> onDrainElapsed(DrainElapsed msg) {
    Slot s = slots.get(msg.id());
    if (s != null && s.is(Role.RETIRING)) {
      slots.drainElapsed(s);
    }
    return this;
  }

  private Behavior<Command> stopWhenEmpty() {
    if (stopping && slots.isEmpty()) {
      getContext().getLog().info("{}/{}: all instances stopped", app, env);
      return Behaviors.stopped();
    }
    return this;
  }

  /** Tells the listener when the routable endpoints of the current release changed. */
  private void publish() {
    EndpointsChanged now =
        new EndpointsChanged(
            app,
            env,
            current == null ? null : current.release(),
            slots.endpoints(Role.CURRENT),
            !stopping && current != null && desired == 0,
            wakeFailures);
    if (!Objects.equals(now, published)) {
      published = now;
      listener.tell(now);
    }
  }
}
