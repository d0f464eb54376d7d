package dev.tako.node;

import dev.tako.node.secrets.NodeKey;
import dev.tako.persistence.NodeLedger;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * How a {@link NodeAgent} starts: it registers with the receptionist at once, then loads the
 * ledger's state (asked) and the node key (read on the blocking dispatcher). Until both are there
 * every other command waits: one answered on the empty state of a new agent (a deploy right after
 * the node started) would be undone when the loaded state replaced the newer one. A ledger or key
 * that cannot be loaded fails the agent with the reason.
 */
final class NodeStartup {
  /** Commands that may wait for the ledger at start before the newest are dropped. */
  private static final int STASH = 10_000;

  /** The agent itself, once its ledger state and key are loaded. */
  interface Start {
    Behavior<NodeAgent.Command> apply(
        ActorContext<NodeAgent.Command> ctx, NodeLedger.State state, NodeKey key);
  }

  private final ActorContext<NodeAgent.Command> ctx;
  private final StashBuffer<NodeAgent.Command> stash;
  private final Start start;
  private NodeLedger.State state;
  private NodeKey key;

  private NodeStartup(
      ActorContext<NodeAgent.Command> ctx, StashBuffer<NodeAgent.Command> stash, Start start) {
    this.ctx = ctx;
    this.stash = stash;
    this.start = start;
  }

  static Behavior<NodeAgent.Command> create(
      NodeSettings settings, ActorRef<NodeLedger.Command> ledger, Start start) {
    return Behaviors.withStash(
        STASH,
        stash ->
            Behaviors.setup(
                ctx -> {
                  ctx.getSystem()
                      .receptionist()
                      .tell(Receptionist.register(NodeAgent.key(settings.server()), ctx.getSelf()));
                  return new NodeStartup(ctx, stash, start).load(settings, ledger);
                }));
  }

  private Behavior<NodeAgent.Command> load(
      NodeSettings settings, ActorRef<NodeLedger.Command> ledger) {
    ctx.ask(
        NodeLedger.State.class,
        ledger,
        settings.askTimeout().multipliedBy(6),
        NodeLedger.Get::new,
        (loaded, failure) -> {
          if (failure != null) {
            throw new IllegalStateException("cannot read the node ledger", failure);
          }
          return new NodeAgent.Continue(() -> state = loaded);
        });
    ctx.pipeToSelf(
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return NodeKey.loadOrCreate(settings.home());
              } catch (IOException e) {
                throw new CompletionException(e);
              }
            },
            Blocking.executor(ctx.getSystem())),
        (loaded, failure) -> {
          if (failure != null) {
            throw new IllegalStateException(
                "cannot use the node key: " + StepResult.rootMessage(failure), failure);
          }
          return new NodeAgent.Continue(() -> key = loaded);
        });
    return Behaviors.receive(NodeAgent.Command.class)
        .onMessage(
            NodeAgent.Continue.class,
            m -> {
              m.step().run();
              return state != null && key != null
                  ? stash.unstashAll(start.apply(ctx, state, key))
                  : Behaviors.same();
            })
        .onAnyMessage(
            msg -> {
              if (stash.isFull()) {
                ctx.getLog()
                    .warn("dropped a {} while the ledger loads", msg.getClass().getSimpleName());
              } else {
                stash.stash(msg);
              }
              return Behaviors.same();
            })
        .build();
  }
}
