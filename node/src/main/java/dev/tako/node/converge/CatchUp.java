package dev.tako.node.converge;

import dev.tako.node.NodeAgent;
import dev.tako.node.NodeSettings;
import dev.tako.node.StepResult;
import dev.tako.node.converge.ConvergencePolicy.Action;
import dev.tako.node.leases.Leases;
import dev.tako.node.peer.PeerClient;
import dev.tako.persistence.ArtifactStore;
import dev.tako.persistence.EnvHead;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.supervisor.SupervisorSettings;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One catch-up of one app/env to its head, on this server, with the steps a rollout uses: take the
 * app/env's lease (so neither a rollout nor another catch-up runs beside it), fetch the head's
 * secrets or its release from a peer when they are not here (the artifact checked against the
 * head's SHA-256, then prepared like an upload: verified, extracted, dependencies installed,
 * recorded), start it beside what serves, switch when healthy, give the lease back.
 *
 * <p>Any failure (no peer holds the release, the transfer or the start failed, a rollout holds the
 * lease) stops the started instances, leaves what served serving, and ends with the reason; the
 * {@link Convergence} parent retries later. It always ends with exactly one {@link
 * Convergence.Ended}.
 */
final class CatchUp extends AbstractBehavior<CatchUp.Command> {

  sealed interface Command {}

  private record Next(Runnable step) implements Command {}

  private enum Renew implements Command {
    INSTANCE
  }

  /** Everything a catch-up needs from its parent. */
  record Job(
      EnvHead head,
      Action action,
      DeployRequest recorded,
      List<ActorRef<Convergence.Command>> peers,
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<NodeAgent.Command> agent,
      ArtifactStore store,
      PeerClient peerClient,
      Executor blocking,
      ActorRef<Convergence.Command> parent) {}

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final Job job;
  private final EnvHead head;
  private final Leases.Holder holder;
  private boolean locked;
  private boolean started;

  static Behavior<Command> create(Job job) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new CatchUp(ctx, timers, job)));
  }

  private CatchUp(ActorContext<Command> ctx, TimerScheduler<Command> timers, Job job) {
    super(ctx);
    this.ctx = ctx;
    this.timers = timers;
    this.job = job;
    this.head = job.head();
    this.holder =
        new Leases.Holder(
            "catch-up-" + UUID.randomUUID(),
            job.settings().server(),
            "catch-up to " + head.release(),
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    lock();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Next.class, m -> step(m.step()))
        .onMessageEquals(Renew.INSTANCE, this::renew)
        .build();
  }

  private Behavior<Command> step(Runnable step) {
    step.run();
    return this;
  }

  // ---- the steps ----

  private void lock() {
    askAgent(
        job.settings().askTimeout(),
        r ->
            new NodeAgent.AcquireLease(
                head.app(), head.env(), holder, job.settings().leaseTtl().toMillis(), r),
        ok -> {
          locked = true;
          timers.startTimerWithFixedDelay(Renew.INSTANCE, job.settings().leaseTtl().dividedBy(3));
          switch (job.action()) {
            case FETCH_SECRETS -> new SecretsFetch(this).run();
            case FETCH_RELEASE -> new ReleaseFetch(this).run();
            default -> startRelease();
          }
        });
  }

  private Behavior<Command> renew() {
    job.agent()
        .tell(
            new NodeAgent.AcquireLease(
                head.app(),
                head.env(),
                holder,
                job.settings().leaseTtl().toMillis(),
                ctx.getSystem().ignoreRef()));
    return this;
  }

  /** The release is recorded here now: prepare it (its artifact arrived) then start it. */
  void prepare(DeployRequest request) {
    askAgent(
        job.settings().installTimeout().plusMinutes(5),
        r -> new NodeAgent.Prepare(request, r, holder.rolloutId()),
        ok -> startRelease());
  }

  void startRelease() {
    started = true;
    Duration timeout =
        job.supervisorSettings()
            .startTimeout()
            .plus(job.supervisorSettings().stabilityWindow())
            .plusSeconds(30);
    askAgent(
        timeout,
        r ->
            new NodeAgent.StartRelease(
                head.app(), head.env(), head.release(), r, holder.rolloutId()),
        ok ->
            askAgent(
                job.settings().askTimeout().multipliedBy(3),
                r ->
                    new NodeAgent.Switch(
                        head.app(), head.env(), head.release(), r, holder.rolloutId()),
                switched -> end(null, false)));
  }

  // ---- helpers for the steps and the fetches ----

  Job job() {
    return job;
  }

  ActorContext<Command> context() {
    return ctx;
  }

  /** Runs {@code step} on this actor's thread. */
  Command next(Runnable step) {
    return new Next(step);
  }

  /** Asks each peer in turn until {@code accept} takes an answer; {@code none} when none did. */
  <T> void askPeers(
      Class<T> type,
      Function<ActorRef<T>, Convergence.Command> message,
      Duration timeout,
      Function<T, Boolean> accept,
      Runnable none) {
    askPeer(new ArrayList<>(job.peers()), type, message, timeout, accept, none);
  }

  private <T> void askPeer(
      List<ActorRef<Convergence.Command>> left,
      Class<T> type,
      Function<ActorRef<T>, Convergence.Command> message,
      Duration timeout,
      Function<T, Boolean> accept,
      Runnable none) {
    if (left.isEmpty()) {
      none.run();
      return;
    }
    ActorRef<Convergence.Command> peer = left.remove(0);
    ctx.ask(
        type,
        peer,
        timeout,
        message::apply,
        (answer, failure) ->
            new Next(
                () -> {
                  if (answer == null || !accept.apply(answer)) {
                    askPeer(left, type, message, timeout, accept, none);
                  }
                }));
  }

  void askAgent(
      Duration timeout,
      Function<ActorRef<StepResult>, NodeAgent.Command> message,
      Consumer<StepResult> onOk) {
    ctx.ask(
        StepResult.class,
        job.agent(),
        timeout,
        message::apply,
        (result, failure) ->
            new Next(
                () -> {
                  if (failure != null) {
                    end("no answer from this node's agent: " + failure.getMessage(), false);
                  } else if (!result.ok()) {
                    end(result.error(), false);
                  } else {
                    onOk.accept(result);
                  }
                }));
  }

  /** Gives the lease back, stops a started candidate after a failure, and tells the parent. */
  void end(String error, boolean again) {
    timers.cancelAll();
    if (error != null && started) {
      job.agent()
          .tell(
              new NodeAgent.Abort(
                  head.app(), head.env(), head.release(), ctx.getSystem().ignoreRef()));
    }
    if (locked) {
      job.agent().tell(new NodeAgent.ReleaseLease(head.app(), head.env(), holder.rolloutId()));
    }
    job.parent().tell(new Convergence.Ended(head.key(), head, error, again, ctx.getSelf()));
    getContext().stop(getContext().getSelf());
  }
}
