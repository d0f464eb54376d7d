package dev.tako.node;

import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.api.DeployResult;
import dev.tako.protocol.api.RolloutEvent;
import dev.tako.supervisor.SupervisorSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * One deploy (or rollback), coordinated from the node the CLI reached. It finds the NodeAgent of
 * every target server, takes the app/env lease on each (refused at once when another rollout holds
 * it; renewed while this one lives, so a dead coordinator's leases simply expire), has each server
 * prepare the release, runs the release command once, then:
 *
 * <ul>
 *   <li>atomic: starts the release everywhere beside the running one and switches only when every
 *       server reported it ready; any failure before that stops what started and nothing switches;
 *   <li>rolling: server by server (a canary first), start then switch; the first failure stops the
 *       rollout and the servers that already switched are switched back to their previous release.
 * </ul>
 *
 * Progress goes to {@code events} as it happens; the final result goes there too (then an "end"
 * marker) and to {@code replyTo} when given. Every ask has a timeout, so an unreachable server
 * fails the rollout instead of hanging it.
 */
public final class Rollout extends AbstractBehavior<Rollout.Command> {

  interface Command {}

  private enum Phase {
    LOCK,
    SECRETS,
    PREPARE,
    RELEASE_COMMAND,
    START,
    SWITCH,
    ABORT,
    REVERT_START,
    REVERT_SWITCH
  }

  private record Located(String server, Set<ActorRef<NodeAgent.Command>> agents)
      implements Command {}

  private record Stepped(Phase phase, String server, NodeAgent.StepResult result)
      implements Command {}

  private enum Renew implements Command {
    INSTANCE
  }

  /** The marker after the result event: the stream of events ends there. */
  public static final RolloutEvent END = new RolloutEvent("end", null, null, null, null);

  private final DeployRequest request;

  /** Secrets mode ({@code tako secrets sync}): store these, then restart each server's current. */
  private final Map<String, String> secrets;

  private final boolean restartWithSecrets;
  private final String secretsDigest;
  private final ActorRef<RolloutEvent> events;
  private final ActorRef<DeployResult> replyTo;
  private final NodeSettings settings;
  private final SupervisorSettings supervisorSettings;
  private final TimerScheduler<Command> timers;
  private final Leases.Holder holder;
  private final Map<String, ActorRef<NodeAgent.Command>> agents = new HashMap<>();
  private final Set<String> pending = new HashSet<>();
  private final Map<String, String> errors = new LinkedHashMap<>();
  private final Set<String> unchanged = new HashSet<>();
  private final Map<String, String> previous = new HashMap<>();
  private final List<String> switched = new ArrayList<>();
  private final Set<String> rolledBack = new HashSet<>();
  private final Set<String> revertStarted = new HashSet<>();
  private final Set<String> locked = new HashSet<>();
  private String lockError;
  private Phase phase = Phase.LOCK;
  private int located;
  private int rollingIndex = -1;

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
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  ActorRef<RolloutEvent> ev = events != null ? events : ctx.getSystem().ignoreRef();
                  if (request.servers().isEmpty()) {
                    // Nothing would ever answer: reply now rather than leave the caller waiting.
                    DeployResult r =
                        new DeployResult(
                            false, request.release(), List.of(), "no servers to deploy to", false);
                    ev.tell(RolloutEvent.done(r));
                    ev.tell(END);
                    if (replyTo != null) {
                      replyTo.tell(r);
                    }
                    return Behaviors.stopped();
                  }
                  return new Rollout(
                      ctx,
                      timers,
                      request,
                      null,
                      false,
                      null,
                      ev,
                      replyTo,
                      settings,
                      supervisorSettings);
                }));
  }

  /**
   * {@code tako secrets sync}: takes the leases, has every server store the secrets (sealed under
   * its node key), then restarts each server's current release with them, atomically.
   */
  public static Behavior<Command> syncSecrets(
      dev.tako.protocol.api.SecretsRequest sync,
      ActorRef<RolloutEvent> events,
      NodeSettings settings,
      SupervisorSettings supervisorSettings) {
    DeployRequest request =
        new DeployRequest(
            sync.app(),
            sync.env(),
            null,
            null,
            List.of(),
            "/",
            0,
            null,
            null,
            Map.of(),
            List.of(),
            sync.servers(),
            "atomic",
            null,
            null,
            null,
            null,
            sync.by(),
            Instant.now().toString());
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new Rollout(
                        ctx,
                        timers,
                        request,
                        sync.secrets(),
                        sync.restart(),
                        sync.digest(),
                        events,
                        null,
                        settings,
                        supervisorSettings)));
  }

  private Rollout(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      DeployRequest request,
      Map<String, String> secrets,
      boolean restartWithSecrets,
      String secretsDigest,
      ActorRef<RolloutEvent> events,
      ActorRef<DeployResult> replyTo,
      NodeSettings settings,
      SupervisorSettings supervisorSettings) {
    super(ctx);
    this.timers = timers;
    this.request = request;
    this.secrets = secrets;
    this.restartWithSecrets = restartWithSecrets;
    this.secretsDigest = secretsDigest;
    this.events = events;
    this.replyTo = replyTo;
    this.settings = settings;
    this.supervisorSettings = supervisorSettings;
    this.holder =
        new Leases.Holder(
            UUID.randomUUID().toString(),
            settings.server(),
            request.by(),
            Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    ctx.getLog()
        .info(
            "{} {}/{} release {} to {}",
            request.strategy(),
            request.app(),
            request.env(),
            request.release(),
            request.servers());
    for (String server : request.servers()) {
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

  private boolean rolling() {
    return "rolling".equals(request.strategy());
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
    if (located < request.servers().size()) {
      return this;
    }
    if (!errors.isEmpty()) {
      return finish();
    }
    Duration ttl = settings.leaseTtl();
    timers.startTimerWithFixedDelay(Renew.INSTANCE, ttl.dividedBy(3));
    return ask(
        Phase.LOCK,
        request.servers(),
        settings.askTimeout(),
        (server, r) ->
            new NodeAgent.AcquireLease(request.app(), request.env(), holder, ttl.toMillis(), r));
  }

  private Behavior<Command> onRenew() {
    for (String server : locked) {
      agents
          .get(server)
          .tell(
              new NodeAgent.AcquireLease(
                  request.app(),
                  request.env(),
                  holder,
                  settings.leaseTtl().toMillis(),
                  getContext().getSystem().ignoreRef()));
    }
    return this;
  }

  private void fail(String server, String error) {
    errors.putIfAbsent(server, error);
    progress(server, "failed", error);
  }

  private void progress(String server, String phase, String detail) {
    events.tell(RolloutEvent.progress(server, phase, detail));
  }

  private Behavior<Command> onStepped(Stepped msg) {
    if (msg.phase() != phase || !pending.remove(msg.server())) {
      return this;
    }
    NodeAgent.StepResult result = msg.result();
    String server = msg.server();
    if (!result.ok()) {
      String error = result.error();
      if (!result.lastStderr().isEmpty()) {
        error += "\nlast stderr lines:\n  " + String.join("\n  ", result.lastStderr());
      }
      if (phase == Phase.LOCK) {
        lockError = error;
      } else if (phase == Phase.ABORT
          || phase == Phase.REVERT_START
          || phase == Phase.REVERT_SWITCH) {
        getContext().getLog().warn("{} on {} failed: {}", phase, server, error);
      } else {
        fail(server, error);
      }
    } else {
      switch (phase) {
        case LOCK -> locked.add(server);
        case SECRETS -> {
          if (result.previous() == null) {
            unchanged.add(server);
            progress(server, "secrets stored (the app is not deployed here)", null);
          } else {
            previous.put(server, result.previous());
            progress(server, "secrets stored", null);
          }
        }
        case PREPARE -> {
          if (result.unchanged()) {
            unchanged.add(server);
            progress(server, "unchanged", null);
          } else {
            previous.put(server, result.previous());
            progress(server, "prepared", null);
          }
        }
        case RELEASE_COMMAND -> progress(server, "release command done", null);
        case START -> progress(server, "healthy", null);
        case REVERT_START -> revertStarted.add(server);
        case SWITCH -> {
          switched.add(server);
          progress(server, "switched", null);
        }
        case REVERT_SWITCH -> {
          rolledBack.add(server);
          progress(server, "rolled-back", previous.get(server));
        }
        default -> {}
      }
    }
    // Atomic: the first start failure aborts everything at once.
    if (phase == Phase.START && !errors.isEmpty() && !rolling()) {
      return abort(changedServers());
    }
    if (!pending.isEmpty()) {
      return this;
    }
    return next();
  }

  /** The current phase is complete on every server it asked: decide what comes next. */
  private Behavior<Command> next() {
    switch (phase) {
      case LOCK:
        if (lockError != null) {
          return finishLocked();
        }
        if (secrets != null) {
          return ask(
              Phase.SECRETS,
              request.servers(),
              settings.askTimeout(),
              (server, r) ->
                  new NodeAgent.StoreSecrets(
                      request.app(), request.env(), secrets, secretsDigest, r));
        }
        return ask(
            Phase.PREPARE,
            request.servers(),
            Duration.ofMinutes(5),
            (server, r) -> new NodeAgent.Prepare(request, r));
      case SECRETS:
        if (!errors.isEmpty() || changedServers().isEmpty() || !restartWithSecrets) {
          return finish();
        }
        return startPhase();
      case PREPARE:
        if (!errors.isEmpty() || changedServers().isEmpty()) {
          return finish();
        }
        if (request.releaseCommand() != null && !request.releaseCommand().isBlank()) {
          String first = changedServers().get(0);
          progress(first, "running the release command", request.releaseCommand());
          return ask(
              Phase.RELEASE_COMMAND,
              List.of(first),
              settings.releaseCommandTimeout().plusSeconds(15),
              (server, r) ->
                  new NodeAgent.RunReleaseCommand(
                      request.app(), request.env(), request.release(), r));
        }
        return startPhase();
      case RELEASE_COMMAND:
        if (!errors.isEmpty()) {
          return finish();
        }
        return startPhase();
      case START:
        if (!errors.isEmpty()) {
          // Rolling: the failing server's candidate is stopped, then what switched goes back.
          return abort(List.of(changedServers().get(rollingIndex)));
        }
        return ask(
            Phase.SWITCH,
            rolling() ? List.of(changedServers().get(rollingIndex)) : changedServers(),
            settings.askTimeout().multipliedBy(3),
            (server, r) -> new NodeAgent.Switch(request.app(), request.env(), target(server), r));
      case SWITCH:
        if (!errors.isEmpty()) {
          return revert();
        }
        if (rolling() && rollingIndex + 1 < changedServers().size()) {
          return startPhase();
        }
        return finish();
      case ABORT:
        return rolling() ? revert() : finish();
      case REVERT_START:
        List<String> ready = new ArrayList<>();
        for (String s : revertable()) {
          if (revertStarted.contains(s)) {
            ready.add(s);
          }
        }
        return ready.isEmpty()
            ? finish()
            : ask(
                Phase.REVERT_SWITCH,
                ready,
                settings.askTimeout().multipliedBy(3),
                (server, r) ->
                    new NodeAgent.Switch(request.app(), request.env(), previous.get(server), r));
      default:
        return finish();
    }
  }

  private Behavior<Command> startPhase() {
    List<String> servers;
    if (rolling()) {
      rollingIndex++;
      servers = List.of(changedServers().get(rollingIndex));
    } else {
      servers = changedServers();
    }
    servers.forEach(s -> progress(s, "starting", null));
    return ask(
        Phase.START,
        servers,
        supervisorSettings
            .startTimeout()
            .plus(supervisorSettings.stabilityWindow())
            .plusSeconds(30),
        (server, r) -> new NodeAgent.StartRelease(request.app(), request.env(), target(server), r));
  }

  /** Stop the started, not switched, instances of this release. */
  private Behavior<Command> abort(List<String> servers) {
    getContext()
        .getLog()
        .warn("{}/{} failed before the switch: {}", request.app(), request.env(), errors);
    return ask(
        Phase.ABORT,
        servers,
        supervisorSettings.termGrace().plus(settings.askTimeout()),
        (server, r) -> new NodeAgent.Abort(request.app(), request.env(), target(server), r));
  }

  /** Rolling: switch the servers that already switched back to their previous release. */
  private Behavior<Command> revert() {
    List<String> servers = revertable();
    if (servers.isEmpty()) {
      return finish();
    }
    return ask(
        Phase.REVERT_START,
        servers,
        supervisorSettings
            .startTimeout()
            .plus(supervisorSettings.stabilityWindow())
            .plusSeconds(30),
        (server, r) ->
            new NodeAgent.StartRelease(request.app(), request.env(), previous.get(server), r));
  }

  /** The release a server starts: the deployed one, or in secrets mode the one it runs. */
  private String target(String server) {
    return secrets == null ? request.release() : previous.get(server);
  }

  private List<String> revertable() {
    List<String> out = new ArrayList<>();
    for (String s : switched) {
      if (previous.get(s) != null && !errors.containsKey(s)) {
        out.add(s);
      }
    }
    return out;
  }

  private List<String> changedServers() {
    List<String> out = new ArrayList<>();
    for (String s : request.servers()) {
      if (!unchanged.contains(s)) {
        out.add(s);
      }
    }
    return out;
  }

  private Behavior<Command> ask(
      Phase next,
      List<String> servers,
      Duration timeout,
      BiFunction<String, ActorRef<NodeAgent.StepResult>, NodeAgent.Command> message) {
    phase = next;
    pending.clear();
    pending.addAll(servers);
    for (String server : servers) {
      getContext()
          .ask(
              NodeAgent.StepResult.class,
              agents.get(server),
              timeout,
              r -> message.apply(server, r),
              (result, failure) ->
                  new Stepped(
                      next,
                      server,
                      failure == null
                          ? result
                          : NodeAgent.StepResult.failed(
                              server,
                              "no answer from "
                                  + server
                                  + " within "
                                  + timeout.toSeconds()
                                  + " s ("
                                  + next.name().toLowerCase().replace('_', ' ')
                                  + ")")));
    }
    return this;
  }

  /** Why a deploy is refused while {@code holder} holds the lock, and what to do. */
  static String lockedMessage(String app, String env, String holder) {
    return app
        + "/"
        + env
        + " is being deployed: "
        + holder
        + "; wait for it to finish, or run again with --wait";
  }

  private void releaseLeases() {
    timers.cancelAll();
    for (String server : locked) {
      agents
          .get(server)
          .tell(new NodeAgent.ReleaseLease(request.app(), request.env(), holder.rolloutId()));
    }
  }

  private Behavior<Command> finishLocked() {
    releaseLeases();
    String error = lockedMessage(request.app(), request.env(), lockError);
    return reply(new DeployResult(false, request.release(), List.of(), error, true));
  }

  private Behavior<Command> finish() {
    releaseLeases();
    boolean ok = errors.isEmpty();
    List<DeployResult.ServerResult> results = new ArrayList<>();
    // request.servers() is the rollout order: a canary first, then the environment's order.
    for (String server : request.servers()) {
      String result;
      if (errors.containsKey(server)) {
        result = "failed";
      } else if (unchanged.contains(server)) {
        result = "unchanged";
      } else if (rolledBack.contains(server)) {
        result = "rolled-back";
      } else if (switched.contains(server)) {
        result = "switched";
      } else {
        result = "not-switched";
      }
      results.add(new DeployResult.ServerResult(server, result, errors.get(server)));
    }
    getContext()
        .getLog()
        .info(
            "{}/{} release {} {}: {}",
            request.app(),
            request.env(),
            request.release(),
            ok ? "done" : "failed",
            results);
    return reply(new DeployResult(ok, request.release(), results));
  }

  private Behavior<Command> reply(DeployResult result) {
    events.tell(RolloutEvent.done(result));
    events.tell(END);
    if (replyTo != null) {
      replyTo.tell(result);
    }
    return Behaviors.stopped();
  }
}
