package dev.tako.node;

import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.api.DeployResult;
import dev.tako.supervisor.SupervisorSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * One deploy, coordinated from the node the CLI reached: finds the NodeAgent of every target server
 * in the cluster, has each prepare the release, starts it everywhere beside the running one, and
 * switches traffic only when every server reported its new instances ready (atomic). When any
 * server fails before the switch, nothing switches anywhere: the started instances are stopped and
 * the old release keeps serving. Every ask has a timeout, so an unreachable server fails the deploy
 * instead of hanging it. Replies exactly once with a {@link DeployResult}, then stops.
 */
public final class Rollout extends AbstractBehavior<Rollout.Command> {

  interface Command {}

  private enum Phase {
    PREPARE,
    START,
    SWITCH,
    ABORT
  }

  private record Located(String server, Set<ActorRef<NodeAgent.Command>> agents)
      implements Command {}

  private record Stepped(Phase phase, String server, NodeAgent.StepResult result)
      implements Command {}

  private final DeployRequest request;
  private final ActorRef<DeployResult> replyTo;
  private final NodeSettings settings;
  private final SupervisorSettings supervisorSettings;
  private final Map<String, ActorRef<NodeAgent.Command>> agents = new HashMap<>();
  private final Set<String> pending = new HashSet<>();
  private final Map<String, String> errors = new LinkedHashMap<>();
  private final Set<String> unchanged = new HashSet<>();
  private final Set<String> switched = new HashSet<>();
  private Phase phase = Phase.PREPARE;
  private int located;

  public static Behavior<Command> create(
      DeployRequest request,
      ActorRef<DeployResult> replyTo,
      NodeSettings settings,
      SupervisorSettings supervisorSettings) {
    return Behaviors.setup(ctx -> new Rollout(ctx, request, replyTo, settings, supervisorSettings));
  }

  private Rollout(
      ActorContext<Command> ctx,
      DeployRequest request,
      ActorRef<DeployResult> replyTo,
      NodeSettings settings,
      SupervisorSettings supervisorSettings) {
    super(ctx);
    this.request = request;
    this.replyTo = replyTo;
    this.settings = settings;
    this.supervisorSettings = supervisorSettings;
    ctx.getLog()
        .info(
            "deploy {}/{} release {} to {}",
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
        .build();
  }

  private Behavior<Command> onLocated(Located msg) {
    located++;
    if (msg.agents().isEmpty()) {
      errors.put(
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
    return ask(
        Phase.PREPARE,
        request.servers(),
        Duration.ofMinutes(5),
        (server, r) -> new NodeAgent.Prepare(request, r));
  }

  private Behavior<Command> onStepped(Stepped msg) {
    if (msg.phase() != phase || !pending.remove(msg.server())) {
      return this;
    }
    NodeAgent.StepResult result = msg.result();
    if (!result.ok()) {
      String error = result.error();
      if (!result.lastStderr().isEmpty()) {
        error += "\nlast stderr lines:\n  " + String.join("\n  ", result.lastStderr());
      }
      errors.putIfAbsent(msg.server(), error);
    } else if (phase == Phase.PREPARE && result.unchanged()) {
      unchanged.add(msg.server());
    } else if (phase == Phase.SWITCH) {
      switched.add(msg.server());
    }
    if (phase == Phase.START && !errors.isEmpty()) {
      return abort();
    }
    if (!pending.isEmpty()) {
      return this;
    }
    switch (phase) {
      case PREPARE:
        if (!errors.isEmpty()) {
          return finish();
        }
        List<String> toStart = changedServers();
        if (toStart.isEmpty()) {
          return finish();
        }
        return ask(
            Phase.START,
            toStart,
            supervisorSettings
                .startTimeout()
                .plus(supervisorSettings.stabilityWindow())
                .plusSeconds(30),
            (server, r) ->
                new NodeAgent.StartRelease(request.app(), request.env(), request.release(), r));
      case START:
        return ask(
            Phase.SWITCH,
            changedServers(),
            settings.askTimeout().multipliedBy(3),
            (server, r) ->
                new NodeAgent.Switch(request.app(), request.env(), request.release(), r));
      default:
        return finish();
    }
  }

  /** Atomic: one server failed before the switch, so no server switches; stop what started. */
  private Behavior<Command> abort() {
    getContext()
        .getLog()
        .warn("deploy {}/{} failed before the switch: {}", request.app(), request.env(), errors);
    return ask(
        Phase.ABORT,
        changedServers(),
        supervisorSettings.termGrace().plus(settings.askTimeout()),
        (server, r) -> new NodeAgent.Abort(request.app(), request.env(), request.release(), r));
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
                                  + next.name().toLowerCase()
                                  + ")")));
    }
    return this;
  }

  private Behavior<Command> finish() {
    boolean ok = errors.isEmpty();
    List<DeployResult.ServerResult> results = new ArrayList<>();
    for (String server : request.servers()) {
      String result;
      if (errors.containsKey(server)) {
        result = "failed";
      } else if (unchanged.contains(server)) {
        result = "unchanged";
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
            "deploy {}/{} release {} {}: {}",
            request.app(),
            request.env(),
            request.release(),
            ok ? "done" : "failed",
            results);
    replyTo.tell(new DeployResult(ok, request.release(), results));
    return Behaviors.stopped();
  }
}
