package dev.tako.node.deploy;

import dev.tako.node.NodeAgent;
import dev.tako.node.StepResult;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The round of asks a {@link Rollout} is in: one step asked of several servers' NodeAgents at once
 * ({@code context.ask}, each with the phase's timeout; no answer in time is a failed step naming
 * the phase). It knows which servers still owe an answer, what to do with each success and which
 * phase follows; answers of an earlier round are not accepted. Owned by one Rollout, on its thread.
 */
final class StepRound {
  private final ActorContext<Rollout.Command> ctx;
  private final Map<String, ActorRef<NodeAgent.Command>> agents;
  private final Set<String> pending = new HashSet<>();
  private Phase phase = Phase.LOCK;
  private BiConsumer<String, StepResult> onOk = (server, result) -> {};
  private Supplier<Behavior<Rollout.Command>> next;

  /**
   * @param agents each server's NodeAgent, as the rollout located them
   */
  StepRound(ActorContext<Rollout.Command> ctx, Map<String, ActorRef<NodeAgent.Command>> agents) {
    this.ctx = ctx;
    this.agents = agents;
  }

  /**
   * Asks each of {@code servers}; {@code onOk} takes each success, {@code next} is the phase that
   * follows once every server answered.
   *
   * @return true when there is nobody to ask: the caller goes on to {@code next} at once
   */
  boolean start(
      Phase phase,
      List<String> servers,
      Duration timeout,
      BiFunction<String, ActorRef<StepResult>, NodeAgent.Command> message,
      BiConsumer<String, StepResult> onOk,
      Supplier<Behavior<Rollout.Command>> next) {
    this.phase = phase;
    this.onOk = onOk;
    this.next = next;
    pending.clear();
    pending.addAll(servers);
    for (String server : servers) {
      ctx.ask(
          StepResult.class,
          agents.get(server),
          timeout,
          r -> message.apply(server, r),
          (result, failure) ->
              new Rollout.Stepped(
                  phase,
                  server,
                  failure == null
                      ? result
                      : StepResult.failed(
                          server,
                          "no answer from "
                              + server
                              + " within "
                              + timeout.toSeconds()
                              + " s ("
                              + phase.label()
                              + ")")));
    }
    return servers.isEmpty();
  }

  /** Whether the answer belongs to this round and its server still owed it (then it does not). */
  boolean accepts(Rollout.Stepped answer) {
    return answer.phase() == phase && pending.remove(answer.server());
  }

  void ok(String server, StepResult result) {
    onOk.accept(server, result);
  }

  boolean complete() {
    return pending.isEmpty();
  }

  Behavior<Rollout.Command> next() {
    return next.get();
  }
}
