package dev.tako.node;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A short-lived child that asks several actors the same question at once ({@code context.ask}, each
 * with the timeout), hands every answer to {@code done} (null for one that failed or did not come
 * in time) and stops. It lets an actor gather answers without blocking or waiting on futures.
 */
public final class Gather {
  private Gather() {}

  /** Its only message: one target's answer, or null. */
  public record Answered<K, A>(K key, A answer) {}

  public static <K, C, A> Behavior<Answered<K, A>> create(
      Map<K, ActorRef<C>> targets,
      Class<A> answerType,
      Function<ActorRef<A>, C> question,
      Duration timeout,
      Consumer<Map<K, A>> done) {
    return Behaviors.setup(
        ctx -> {
          if (targets.isEmpty()) {
            done.accept(Map.of());
            return Behaviors.stopped();
          }
          targets.forEach(
              (key, target) ->
                  ctx.ask(
                      answerType,
                      target,
                      timeout,
                      question::apply,
                      (answer, failure) -> new Answered<>(key, failure == null ? answer : null)));
          Map<K, A> answers = new HashMap<>();
          return Behaviors.receiveMessage(
              m -> {
                answers.put(m.key(), m.answer());
                if (answers.size() < targets.size()) {
                  return Behaviors.same();
                }
                done.accept(answers);
                return Behaviors.stopped();
              });
        });
  }
}
