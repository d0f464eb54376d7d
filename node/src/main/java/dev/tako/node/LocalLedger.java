package dev.tako.node;

import dev.tako.persistence.NodeLedger;
import dev.tako.protocol.api.DeployRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.japi.function.Function2;
import org.apache.pekko.pattern.StatusReply;

/**
 * The NodeAgent's copy of this node's {@link NodeLedger} and its way to write it: a write is asked
 * of the ledger, then the ledger is read again, and only then is the step answered, so the next
 * step sees what the last one recorded. Used on the agent's thread only (answers come back as
 * {@link NodeAgent.Continue}). A write that fails or times out is a failed {@link StepResult}.
 */
public final class LocalLedger {
  private final ActorContext<NodeAgent.Command> ctx;
  private final ActorRef<NodeLedger.Command> ledger;
  private final Duration timeout;
  private final Consumer<NodeLedger.State> changed;
  private final Consumer<NodeLedger.State> switched;
  private NodeLedger.State state;

  /**
   * @param changed told every new state
   * @param switched told a new state whose current releases differ from the last one's
   */
  LocalLedger(
      ActorContext<NodeAgent.Command> ctx,
      ActorRef<NodeLedger.Command> ledger,
      Duration timeout,
      NodeLedger.State loaded,
      Consumer<NodeLedger.State> changed,
      Consumer<NodeLedger.State> switched) {
    this.ctx = ctx;
    this.ledger = ledger;
    this.timeout = timeout;
    this.changed = changed;
    this.switched = switched;
    this.state = loaded;
    changed.accept(loaded);
  }

  public NodeLedger.State state() {
    return state;
  }

  public Optional<NodeLedger.AppState> app(AppEnv app) {
    return state.app(app.app(), app.env());
  }

  /** The release current here, or null. */
  public String current(AppEnv app) {
    return app(app).map(NodeLedger.AppState::current).orElse(null);
  }

  /** The recorded request of a release, or null when it was not prepared here. */
  public DeployRequest request(AppEnv app, String release) {
    return app(app)
        .flatMap(a -> a.release(release))
        .map(NodeLedger.ReleaseRecord::request)
        .orElse(null);
  }

  /** Writes, reads the ledger again, answers {@code ok} (or what {@code failed} makes of it). */
  public void write(
      Function<ActorRef<Done>, NodeLedger.Command> write,
      ActorRef<StepResult> replyTo,
      StepResult ok,
      Function<Throwable, StepResult> failed) {
    ctx.ask(Done.class, ledger, timeout, write::apply, then(replyTo, ok, failed, () -> {}));
  }

  /**
   * {@link #write} for the ledger commands that answer with a status; {@code onSuccess} runs before
   * the ledger is read again.
   */
  public void writeWithStatus(
      Function<ActorRef<StatusReply<Done>>, NodeLedger.Command> write,
      ActorRef<StepResult> replyTo,
      StepResult ok,
      Function<Throwable, StepResult> failed,
      Runnable onSuccess) {
    ctx.askWithStatus(
        Done.class, ledger, timeout, write::apply, then(replyTo, ok, failed, onSuccess));
  }

  private Function2<Done, Throwable, NodeAgent.Command> then(
      ActorRef<StepResult> replyTo,
      StepResult ok,
      Function<Throwable, StepResult> failed,
      Runnable onSuccess) {
    return (done, failure) ->
        new NodeAgent.Continue(
            () -> {
              if (failure == null) {
                onSuccess.run();
              }
              refreshThenReply(replyTo, failure == null ? ok : failed.apply(failure));
            });
  }

  /**
   * Writes, reads the ledger again, then runs {@code then} on the agent's thread with the write's
   * failure (null when it was written).
   */
  public void writeThen(
      Function<ActorRef<Done>, NodeLedger.Command> write, Consumer<Throwable> then) {
    ctx.ask(
        Done.class,
        ledger,
        timeout,
        write::apply,
        (done, failure) ->
            new NodeAgent.Continue(
                () -> {
                  if (failure != null) {
                    then.accept(failure);
                  } else {
                    refreshThen(() -> then.accept(null));
                  }
                }));
  }

  /** Reads the ledger again, then answers {@code result}. */
  public void refreshThenReply(ActorRef<StepResult> replyTo, StepResult result) {
    refreshThen(() -> replyTo.tell(result));
  }

  private void refreshThen(Runnable then) {
    ctx.ask(
        NodeLedger.State.class,
        ledger,
        timeout,
        NodeLedger.Get::new,
        (fresh, failure) ->
            new NodeAgent.Continue(
                () -> {
                  if (fresh != null) {
                    update(fresh);
                  }
                  then.run();
                }));
  }

  private void update(NodeLedger.State fresh) {
    boolean currentsChanged = !currents(state).equals(currents(fresh));
    state = fresh;
    changed.accept(fresh);
    if (currentsChanged) {
      switched.accept(fresh);
    }
  }

  private static Map<String, String> currents(NodeLedger.State state) {
    Map<String, String> out = new HashMap<>();
    state.apps().forEach((k, a) -> out.put(k, String.valueOf(a.current())));
    return out;
  }
}
