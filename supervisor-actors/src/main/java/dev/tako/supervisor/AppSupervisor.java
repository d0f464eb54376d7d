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
 * <p>This class holds the protocol and one handler per message; the work is shared by parts of the
 * same actor (they run on its thread only): {@link Deploys} (the candidate), {@link Scaling} (the
 * current release, its desired count and scale to zero) and {@link Slots} (the slots and their
 * instance actors). Decisions are plain policies ({@link ScalePolicy}, {@link IdlePolicy}, {@link
 * ReplacementPolicy}, {@link RestartPolicy}). Everything it sends out is immutable.
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

  /**
   * After a node restart: run {@code spec} as the current release directly, adopting the processes
   * of {@code adopt} (instances of that release a previous node process left running) up to the
   * desired count (with 0 desired, one as a woken instance); extra ones are stopped, fresh
   * instances make up the rest.
   */
  public record Restore(ReleaseSpec spec, int instances, List<Adoptable> adopt) implements Command {
    public Restore {
      adopt = List.copyOf(adopt);
    }

    /** Nothing to adopt. */
    public Restore(ReleaseSpec spec, int instances) {
      this(spec, instances, List.of());
    }
  }

  /**
   * The node process is about to be replaced (an upgrade handover): every instance of the current
   * release lets go of its process without signalling it (it keeps running, its run files and FIFOs
   * stay, for the next node process to adopt); the candidate's and retiring instances are stopped.
   * Replies once all that is done, then the supervisor stops.
   */
  public record Detach(ActorRef<Done> replyTo) implements Command {}

  /** Stop every instance; replies when every process is gone, then the supervisor stops. */
  public record StopAll(ActorRef<Done> replyTo) implements Command {}

  /**
   * The app is being deleted: like {@link StopAll}, but each serving instance is drained first (its
   * endpoint withdrawn, SIGTERM once its requests finished or at the drain timeout). Replies when
   * every process is gone, then the supervisor stops.
   */
  public record Retire(ActorRef<Done> replyTo) implements Command {}

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

  enum IdleCheck implements Command {
    INSTANCE
  }

  private final String app;
  private final String env;
  private final ActorRef<EndpointsChanged> listener;
  private final Slots slots;
  private final Deploys deploys;
  private final Scaling scaling;
  private EndpointsChanged published;

  /**
   * After {@link Detach}: the endpoints stay as last published (the detached processes keep serving
   * until the next node process takes over).
   */
  private boolean detached;

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
    this.listener = listener;
    String name = app + "/" + env;
    ActorRef<Instance.Event> events =
        context.messageAdapter(Instance.Event.class, FromInstance::new);
    this.slots = new Slots(context, timers, settings, inFlight, events);
    this.deploys = new Deploys(slots, context.getLog(), name);
    this.scaling = new Scaling(slots, timers, settings, inFlight, context.getLog(), name);
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
        .onMessage(Retire.class, this::onRetire)
        .onMessage(Detach.class, this::onDetach)
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
    deploys.start(msg, scaling.current(), scaling.stopping());
    return this;
  }

  private Behavior<Command> onPromote(PromoteCandidate msg) {
    Candidate promoted = scaling.stopping() ? null : deploys.promote();
    if (promoted != null) {
      scaling.promoted(promoted);
      publish();
    }
    msg.replyTo().tell(Done.getInstance());
    return this;
  }

  private Behavior<Command> onAbort(AbortCandidate msg) {
    deploys.abort(msg.replyTo());
    return this;
  }

  // ---- the current release: scale, scale to zero, restore (see Scaling) ----

  private Behavior<Command> onScale(Scale msg) {
    scaling.scale(msg.instances());
    publish();
    return this;
  }

  private Behavior<Command> onWakeUp() {
    scaling.wake();
    publish();
    return this;
  }

  private Behavior<Command> onIdleCheck() {
    scaling.idleCheck();
    publish();
    return this;
  }

  private Behavior<Command> onRestore(Restore msg) {
    scaling.restore(msg.spec(), msg.instances(), msg.adopt());
    publish();
    return this;
  }

  // ---- the whole app ----

  private Behavior<Command> onStopAll(StopAll msg) {
    scaling.stopAll();
    deploys.failIfAny("the app is being stopped");
    for (Slot s : slots.all()) {
      slots.retire(s, false);
      slots.sendStop(s); // also those already draining
    }
    slots.awaitGone(slots.ids(), msg.replyTo());
    publish();
    return stopWhenEmpty();
  }

  private Behavior<Command> onRetire(Retire msg) {
    scaling.stopAll();
    deploys.failIfAny("the app is being deleted");
    for (Slot s : slots.all()) {
      if (!s.is(Role.RETIRING)) {
        slots.retire(s, true); // already retiring ones drain or stop on their own
      }
    }
    slots.awaitGone(slots.ids(), msg.replyTo());
    publish();
    return stopWhenEmpty();
  }

  private Behavior<Command> onDetach(Detach msg) {
    getContext().getLog().info("{}/{}: detaching from its processes", app, env);
    scaling.stopAll();
    deploys.failIfAny("the node is being replaced");
    for (Slot s : slots.all()) {
      if (s.is(Role.CURRENT)) {
        slots.detach(s);
      } else {
        slots.retire(s, false);
        slots.sendStop(s); // also those already draining
      }
    }
    slots.awaitGone(slots.ids(), msg.replyTo());
    detached = true;
    return stopWhenEmpty();
  }

  private Behavior<Command> onGetStatus(GetStatus msg) {
    msg.replyTo().tell(new AppStatus(scaling.release(), scaling.desired(), slots.statuses()));
    return this;
  }

  // ---- instance lifecycle: one handler per instance event ----

  private Behavior<Command> onInstanceEvent(FromInstance msg) {
    Instance.Event event = msg.event();
    Slot s = slots.get(event.id());
    if (s == null) {
      return this;
    }
    if (event instanceof Instance.Started e) {
      s.started(e.pid(), e.port(), e.startedAt());
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
    AfterFailure next =
        ReplacementPolicy.afterFailure(s.role(), deploys.pending(), scaling.desired());
    switch (next) {
      case NONE -> {}
      case FAIL_CANDIDATE ->
          deploys.fail(
              new CandidateFailed(
                  s.spec().release(),
                  "instance " + s.id() + " " + reason,
                  exitCode,
                  s.lastStderr()));
      case GO_COLD -> scaling.wentCold(s, reason);
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
    if (s != null && !s.is(Role.RETIRING) && !s.running() && !scaling.stopping()) {
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
    if (scaling.stopping() && slots.isEmpty()) {
      getContext().getLog().info("{}/{}: all instances stopped", app, env);
      return Behaviors.stopped();
    }
    return this;
  }

  /** Tells the listener when the routable endpoints of the current release changed. */
  private void publish() {
    if (detached) {
      return;
    }
    EndpointsChanged now =
        new EndpointsChanged(
            app,
            env,
            scaling.release(),
            slots.endpoints(Role.CURRENT),
            scaling.cold(),
            scaling.wakeFailures());
    if (!Objects.equals(now, published)) {
      published = now;
      listener.tell(now);
    }
  }
}
