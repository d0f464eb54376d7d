package dev.tako.node.api;

import dev.tako.node.NodeAgent;
import dev.tako.protocol.Json;
import dev.tako.protocol.api.RolloutEvent;
import java.time.Duration;
import java.util.HashMap;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;
import org.apache.pekko.util.ByteString;

/**
 * Starts a rollout (deploy, rollback, secrets sync) on this node's agent and answers with its
 * events: an NDJSON stream (progress as it happens, then the result) when the client accepts {@code
 * application/x-ndjson}, else the final {@link dev.tako.protocol.api.DeployResult} as one JSON
 * object. Streaming also keeps a long rollout's connection busy.
 */
public final class RolloutStream extends ApiDirectives {
  private static final ContentType NDJSON =
      ContentTypes.create(
          MediaTypes.customWithFixedCharset(
              "application", "x-ndjson", HttpCharsets.UTF_8, new HashMap<>(), false));

  private final ActorSystem<?> system;
  private final ActorRef<NodeAgent.Command> agent;
  private final Duration deployTimeout;

  public RolloutStream(
      ActorSystem<?> system, ActorRef<NodeAgent.Command> agent, Duration deployTimeout) {
    this.system = system;
    this.agent = agent;
    this.deployTimeout = deployTimeout;
  }

  public Route run(Function<ActorRef<RolloutEvent>, NodeAgent.Command> command) {
    return optionalHeaderValueByName(
        "Accept",
        accept -> {
          Pair<ActorRef<RolloutEvent>, Source<RolloutEvent, NotUsed>> events =
              ActorSource.<RolloutEvent>actorRef(
                      ev -> "end".equals(ev.event()),
                      ev -> Optional.empty(),
                      1024,
                      OverflowStrategy.dropHead())
                  .preMaterialize(system);
          agent.tell(command.apply(events.first()));
          if (accept.orElse("").contains("application/x-ndjson")) {
            Source<ByteString, NotUsed> lines =
                events.second().map(ev -> ByteString.fromString(Json.write(ev) + "\n"));
            return complete(
                HttpResponse.create().withEntity(HttpEntities.createChunked(NDJSON, lines)));
          }
          CompletionStage<RolloutEvent> result =
              events
                  .second()
                  .filter(ev -> "result".equals(ev.event()))
                  .runWith(Sink.head(), system);
          return withRequestTimeout(
              deployTimeout.plusMinutes(1),
              () -> onSuccess(result, ev -> json(StatusCodes.OK, ev.result())));
        });
  }
}
