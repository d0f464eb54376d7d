package dev.tako.node.deploy;

import dev.tako.node.NodeAgent;
import dev.tako.node.NodeSettings;
import dev.tako.node.StepResult;
import dev.tako.node.converge.Convergence;
import dev.tako.node.leases.Leases;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.api.DeployResult;
import dev.tako.protocol.api.RolloutEvent;
import dev.tako.protocol.api.SecretsRequest;
import dev.tako.supervisor.SupervisorSettings;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * One deploy, rollback or secrets sync, coordinated from the node the CLI reached. It finds the
 * NodeAgent of every target server, takes the app/env lease on each (refused at once when another
 * rollout holds it; renewed while this one lives, so a dead coordinator's leases simply expire),
 * has each server prepare the release (or store the secrets), runs the release command once, then
 * starts and switches the changed servers in the batches of the {@link Strategy}. A start failure
 * stops the batch's new instances; a failure after a switch moves the switched servers back. When
 * it succeeds (and was given a {@link Convergence}), its release becomes the environment's new
 * head, told before the leases are given back, so the servers it did not reach catch up to it.
 *
 * <p>Each phase is one method that asks its servers and names the phase that follows. Progress goes
 * to {@code events} as it happens; the final result goes there too (then {@link #END}) and to
 * {@code replyTo} when given. Every ask has a timeout, so an unreachable server fails the rollout
 * instead of hanging it.
 */
public final class Rollout extends AbstractBehavior<Rollout.Command> {

  public sealed interface Command permits Located, Stepped, Renew {}

  private record Located(String server, Set<ActorRef<NodeAgent.Command>> agents)
      implements Command {}

  /** A server answered a step of a round (see {@link StepRound}). */
  record Stepped(Phase phase, String server, StepResult result) implements Command {}

  private enum Renew implements Command {
    INSTANCE
  }

  /** The marker after the result event: the stream of events ends there. */
  public static final RolloutEvent END = new RolloutEvent("end", null, null, null, null);

  private final RolloutJob job;
  private final RolloutJob.Scope scope;
  private final ActorRef<RolloutEvent> events;
  private final ActorRef<DeployResult> replyTo;
  private final NodeSettings settings;
  private final SupervisorSettings supervisorSettings;
  private final TimerScheduler<Command> timers;
  private final Leases.Holder holder;
  private final Map<String, ActorRef<NodeAgent.Command>> agents = new HashMap<>();
  private final Set<String> locked = new HashSet<>();
  private final RolloutOutcome outcome = new RolloutOutcome();
  private final ActorRef<Convergence.Command> heads;
  private final String kind;
  private String lockError;
  private final StepRound round;
  private int located;
  private List<List<String>> batches = List.of();
  private int batch = -1;

  public static Behavior<Command> create(
      DeployRequest request,
      ActorRef<DeployResult> replyTo,
      NodeSettings settings,
      SupervisorSettings supervisorSettings) {
    return create(request, null, replyTo, settings, supervisorSettings);
  }

  public static Behavior<Command> create(
      DeployRequest request,
      ActorRef<RolloutEvent> events,
      ActorRef<DeployResult> replyTo,
      NodeSettings settings,
      SupervisorSettings supervisorSettings) {
    return create(request, events, replyTo, settings, supervisorSettings, null, null);
  }

  /**
   * A deploy or rollback that, when it succeeds, makes its release the environment's head.
   *
   * @param heads told the decision (null: nobody, as in tests of the rollout alone)
   * @param kind {@link dev.tako.persistence.EnvHead#DEPLOY} or {@code ROLLBACK}
   */
  public static Behavior<Command> create(
      DeployRequest request,
      ActorRef<RolloutEvent> events,
      ActorRef<DeployResult> replyTo,
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<Convergence.Command> heads,
      String kind) {
    return create(
        new RolloutJob.Deploy(request), events, replyTo, settings, supervisorSettings, heads, kind);
  }

  /** {@code tako secrets sync}, see {@link RolloutJob.SecretsSync}. */
  public static Behavior<Command> syncSecrets(
      SecretsRequest sync,
      ActorRef<RolloutEvent> events,
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<Convergence.Command> heads) {
    return create(
        new RolloutJob.SecretsSync(sync),
        events,
        null,
        settings,
        supervisorSettings,
        heads,
        dev.tako.persistence.EnvHead.SECRETS);
  }

  private static Behavior<Command> create(
      RolloutJob job,
      ActorRef<RolloutEvent> events,
      ActorRef<DeployResult> replyTo,
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<Convergence.Command> heads,
      String kind) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  ActorRef<RolloutEvent> ev = events != null ? events : ctx.getSystem().ignoreRef();
                  if (job.scope().servers().isEmpty()) {
                    // Nothing would ever answer: reply now rather than leave the caller waiting.
                    reply(
                        new DeployResult(
                            false, job.release(), List.of(), "no servers to deploy to", false),
                        ev,
                        replyTo);
                    return Behaviors.stopped();
                  }
                  return new Rollout(
                      ctx, timers, job, ev, replyTo, settings, supervisorSettings, heads, kind);
                }));
  }

  private Rollout(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      RolloutJob job,
      ActorRef<RolloutEvent> events,
      ActorRef<DeployResult> replyTo,
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<Convergence.Command> heads,
      String kind) {
    super(ctx);
    this.heads = heads;
    this.kind = kind;
    this.timers = timers;
    this.job = job;
    this.scope = job.scope();
    this.round = new StepRound(ctx, agents);
    this.events = events;
    this.replyTo = replyTo;
    this.settings = settings;
    this.supervisorSettings = supervisorSettings;
    this.holder =
        new Leases.Holder(
            UUID.randomUUID().toString(),
            settings.server(),
            scope.by(),
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    ctx.getLog()
        .info(
            "{} {}/{} release {} to {}",
            job.strategy().wireName(),
            scope.app(),
            scope.env(),
            job.release(),
            scope.servers());
    for (String server : scope.servers()) {
      ctx.ask(
          Receptionist.Listing.class,
          ctx.getSystem().receptionist(),
          settings.askTimeout(),
          r -> Receptionist.find(NodeAgent.key(server), r),
          (listing, failure) ->
              new Located(
                  server,
                  failure == null ? listing.getServiceInstances(NodeAgent.key(server)) : Set.of()));
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Located.class, this::onLocated)
        .onMessage(Stepped.class, this::onStepped)
        .onMessageEquals(Renew.INSTANCE, this::onRenew)
        .build();
  }

  private Behavior<Command> onLocated(Located msg) {
    located++;
    if (msg.agents().isEmpty()) {
      fail(
          msg.server(),
          "server "
              + msg.server()
              + " is not in the cluster (is its node running? see tako status)");
    } else {
      agents.put(msg.server(), msg.agents().iterator().next());
    }
    if (located < scope.servers().size()) {
      return this;
    }
    return outcome.failed() ? finish() : lock();
  }

  private Behavior<Command> onRenew() {
    for (String server : locked) {
      agents.get(server).tell(acquireLease(getContext().getSystem().ignoreRef()));
    }
    return this;
  }

  private NodeAgent.AcquireLease acquireLease(ActorRef<StepResult> replyTo) {
    return new NodeAgent.AcquireLease(
        scope.app(), scope.env(), holder, settings.leaseTtl().toMillis(), replyTo);
  }

  private Behavior<Command> onStepped(Stepped msg) {
    if (!round.accepts(msg)) {
      return this;
    }
    Phase phase = msg.phase();
    StepResult result = msg.result();
    if (result.ok()) {
      round.ok(msg.server(), result);
    } else {
      String error = result.error();
      if (!result.lastStderr().isEmpty()) {
        error += "\nlast stderr lines:\n  " + String.join("\n  ", result.lastStderr());
      }
      if (phase == Phase.LOCK) {
        lockError = error;
      } else if (phase.cleanup()) {
        getContext().getLog().warn("{} on {} failed: {}", phase.label(), msg.server(), error);
      } else {
        fail(msg.server(), error);
        if (phase == Phase.START) {
          // The first start failure stops the batch's new instances at once.
          return abort(batches.get(batch));
        }
      }
    }
    return round.complete() ? round.next() : this;
  }

  // ---- the phases, in order ----

  private Behavior<Command> lock() {
    timers.startTimerWithFixedDelay(Renew.INSTANCE, settings.leaseTtl().dividedBy(3));
    return ask(
        Phase.LOCK,
        scope.servers(),
        settings.askTimeout(),
        (server, r) -> acquireLease(r),
        (server, r) -> locked.add(server),
        this::afterLock);
  }

  private Behavior<Command> afterLock() {
    if (lockError != null) {
      return finishLocked();
    }
    return job instanceof RolloutJob.SecretsSync sync ? storeSecrets(sync.request()) : prepare();
  }

  private Behavior<Command> storeSecrets(SecretsRequest sync) {
    return ask(
        Phase.SECRETS,
        scope.servers(),
        settings.askTimeout(),
        (server, r) ->
            new NodeAgent.StoreSecrets(scope.app(), scope.env(), sync.secrets(), sync.digest(), r),
        (server, r) -> {
          if (r.previous() == null) {
            outcome.unchanged(server);
            progress(server, "secrets stored (the app is not deployed here)", null);
          } else {
            outcome.previous(server, r.previous());
            progress(server, "secrets stored", null);
          }
        },
        () -> outcome.failed() || changed().isEmpty() || !sync.restart() ? finish() : start());
  }

  private Behavior<Command> prepare() {
    DeployRequest request = ((RolloutJob.Deploy) job).request();
    return ask(
        Phase.PREPARE,
        scope.servers(),
        settings.installTimeout().plusMinutes(5),
        (server, r) -> new NodeAgent.Prepare(request, r, holder.rolloutId()),
        (server, r) -> {
          if (r.detail() != null) {
            progress(server, r.detail(), null);
          }
          if (r.unchanged()) {
            outcome.unchanged(server);
            progress(server, "unchanged", null);
          } else {
            outcome.previous(server, r.previous());
            progress(server, "prepared", null);
          }
        },
        () -> {
          if (outcome.failed() || changed().isEmpty()) {
            return finish();
          }
          String command = request.releaseCommand();
          return command != null && !command.isBlank() ? runReleaseCommand(command) : start();
        });
  }

  /** Once, on the first changed server, before any switch. */
  private Behavior<Command> runReleaseCommand(String command) {
    String first = changed().get(0);
    progress(first, "running the release command", command);
    return ask(
        Phase.RELEASE_COMMAND,
        List.of(first),
        settings.releaseCommandTimeout().plusSeconds(15),
        (server, r) ->
            new NodeAgent.RunReleaseCommand(
                scope.app(), scope.env(), job.release(), r, holder.rolloutId()),
        (server, r) -> progress(server, "release command done", null),
        () -> outcome.failed() ? finish() : start());
  }

  private Behavior<Command> start() {
    batches = job.strategy().batches(changed());
    return startNextBatch();
  }

  private Behavior<Command> startNextBatch() {
    batch++;
    if (batch >= batches.size()) {
      return finish();
    }
    List<String> servers = batches.get(batch);
    servers.forEach(s -> progress(s, "starting", null));
    return ask(
        Phase.START,
        servers,
        startTimeout(),
        (server, r) ->
            new NodeAgent.StartRelease(
                scope.app(), scope.env(), target(server), r, holder.rolloutId()),
        (server, r) -> progress(server, "healthy", null),
        () -> switchBatch(servers));
  }

  private Behavior<Command> switchBatch(List<String> servers) {
    return ask(
        Phase.SWITCH,
        servers,
        settings.askTimeout().multipliedBy(3),
        (server, r) ->
            new NodeAgent.Switch(scope.app(), scope.env(), target(server), r, holder.rolloutId()),
        (server, r) -> {
          outcome.switched(server);
          progress(server, "switched", null);
        },
        () -> outcome.failed() ? revert() : startNextBatch());
  }

  /** Stops the started, not switched, instances of this release; then what switched goes back. */
  private Behavior<Command> abort(List<String> servers) {
    getContext()
        .getLog()
        .warn("{}/{} failed before the switch: {}", scope.app(), scope.env(), outcome.errors());
    return ask(
        Phase.ABORT,
        servers,
        supervisorSettings.termGrace().plus(settings.askTimeout()),
        (server, r) -> new NodeAgent.Abort(scope.app(), scope.env(), target(server), r),
        (server, r) -> {},
        this::revert);
  }

  /** Starts the previous release again on the servers that already switched (rolling). */
  private Behavior<Command> revert() {
    return ask(
        Phase.REVERT_START,
        outcome.revertable(),
        startTimeout(),
        (server, r) ->
            new NodeAgent.StartRelease(
                scope.app(), scope.env(), outcome.previous(server), r, holder.rolloutId()),
        (server, r) -> outcome.revertStarted(server),
        this::switchBack);
  }

  private Behavior<Command> switchBack() {
    return ask(
        Phase.REVERT_SWITCH,
        outcome.readyToSwitchBack(),
        settings.askTimeout().multipliedBy(3),
        (server, r) ->
            new NodeAgent.Switch(
                scope.app(), scope.env(), outcome.previous(server), r, holder.rolloutId()),
        (server, r) -> {
          outcome.rolledBack(server);
          progress(server, "rolled-back", outcome.previous(server));
        },
        this::finish);
  }

  private Behavior<Command> finishLocked() {
    releaseLeases();
    String error = Leases.lockedMessage(scope.app(), scope.env(), lockError);
    return reply(new DeployResult(false, job.release(), List.of(), error, true), events, replyTo);
  }

  private Behavior<Command> finish() {
    boolean ok = !outcome.failed();
    List<DeployResult.ServerResult> results = outcome.results(scope.servers());
    if (ok && heads != null) {
      // Before the leases go: no server catches up to the old head while the new one travels.
      heads.tell(decision(results));
    }
    releaseLeases();
    getContext()
        .getLog()
        .info(
            "{}/{} release {} {}: {}",
            scope.app(),
            scope.env(),
            job.release(),
            ok ? "done" : "failed",
            results);
    return reply(new DeployResult(ok, job.release(), results), events, replyTo);
  }

  // ---- helpers ----

  /** The environment's new head, see {@link Convergence.Decide}. */
  private Convergence.Decide decision(List<DeployResult.ServerResult> results) {
    DeployRequest request = job instanceof RolloutJob.Deploy d ? d.request() : null;
    String secrets = job instanceof RolloutJob.SecretsSync sync ? sync.request().digest() : null;
    return new Convergence.Decide(
        scope.app(),
        scope.env(),
        kind,
        job.release(),
        request,
        secrets,
        scope.servers(),
        RolloutOutcome.serving(results, request == null));
  }

  private Duration startTimeout() {
    return supervisorSettings
        .startTimeout()
        .plus(supervisorSettings.stabilityWindow())
        .plusSeconds(30);
  }

  /** The release a server starts: the deployed one, or in a secrets sync the one it runs. */
  private String target(String server) {
    return job.release() != null ? job.release() : outcome.previous(server);
  }

  private List<String> changed() {
    return outcome.changed(scope.servers());
  }

  private void fail(String server, String error) {
    outcome.fail(server, error);
    progress(server, "failed", error);
  }

  private void progress(String server, String phase, String detail) {
    events.tell(RolloutEvent.progress(server, phase, detail));
  }

  private Behavior<Command> ask(
      Phase next,
      List<String> servers,
      Duration timeout,
      BiFunction<String, ActorRef<StepResult>, NodeAgent.Command> message,
      BiConsumer<String, StepResult> onOk,
      Supplier<Behavior<Command>> then) {
    return round.start(next, servers, timeout, message, onOk, then) ? then.get() : this;
  }

  private void releaseLeases() {
    timers.cancelAll();
    for (String server : locked) {
      agents
          .get(server)
          .tell(new NodeAgent.ReleaseLease(scope.app(), scope.env(), holder.rolloutId()));
    }
  }

  private static Behavior<Command> reply(
      DeployResult result, ActorRef<RolloutEvent> events, ActorRef<DeployResult> replyTo) {
    events.tell(RolloutEvent.done(result));
    events.tell(END);
    if (replyTo != null) {
      replyTo.tell(result);
    }
    return Behaviors.stopped();
  }
}
