package dev.tako.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.tako.protocol.Json;
import dev.tako.protocol.Version;
import dev.tako.protocol.api.ApiError;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.api.DeployResult;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Leave;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The management API the CLI reaches through its SSH tunnel (bound to 127.0.0.1 only). Every
 * request needs the bearer token; errors are JSON {@link ApiError}s with the matching status. Asks
 * into the actor system happen only here, each with a timeout from {@link NodeSettings}.
 */
public final class ManagementRoutes extends AllDirectives {
  static final long MAX_BODY = 1024 * 1024;

  private final ActorSystem<?> system;
  private final NodeSettings settings;
  private final AdminToken token;
  private final ActorRef<NodeAgent.Command> agent;
  private final ClusterView clusterView;

  public ManagementRoutes(
      ActorSystem<?> system,
      NodeSettings settings,
      AdminToken token,
      ActorRef<NodeAgent.Command> agent,
      ClusterView clusterView) {
    this.system = system;
    this.settings = settings;
    this.token = token;
    this.agent = agent;
    this.clusterView = clusterView;
  }

  public Route routes() {
    return handleRejections(
        org.apache.pekko.http.javadsl.server.RejectionHandler.newBuilder()
            .handleNotFound(json(StatusCodes.NOT_FOUND, ApiError.of("no such API path")))
            .handleAll(
                org.apache.pekko.http.javadsl.server.Rejection.class,
                rejections ->
                    json(StatusCodes.BAD_REQUEST, ApiError.of("bad request: " + rejections)))
            .build(),
        () ->
            optionalHeaderValueByName(
                "Authorization",
                auth ->
                    token.accepts(auth.orElse(null))
                        ? withSizeLimit(MAX_BODY, this::authorized)
                        : json(
                            StatusCodes.UNAUTHORIZED,
                            ApiError.of("missing or wrong bearer token"))));
  }

  private Route authorized() {
    return pathPrefix(
        "v1",
        () ->
            concat(
                path("ping", () -> get(() -> json(StatusCodes.OK, ping()))),
                path(
                    "cluster",
                    () ->
                        get(
                            () ->
                                json(
                                    StatusCodes.OK,
                                    Map.of(
                                        "self", settings.server(),
                                        "members", clusterView.members())))),
                path(
                    "status",
                    () -> get(() -> onSuccess(clusterView.status(), v -> json(StatusCodes.OK, v)))),
                path(
                    "deploy",
                    () ->
                        post(
                            () ->
                                withRequestTimeout(
                                    settings.deployTimeout().plusMinutes(1),
                                    () ->
                                        body(
                                            DeployRequest.class,
                                            req -> onSuccess(deploy(req), this::deployed))))),
                path(
                    "leave",
                    () ->
                        post(
                            () ->
                                body(
                                    LeaveRequest.class,
                                    req -> {
                                      leave(req.server());
                                      return json(StatusCodes.OK, Map.of("ok", true));
                                    })))));
  }

  /** Asks a member (by server name) to leave the cluster; used by {@code tako servers rm}. */
  public record LeaveRequest(String server) {}

  private void leave(String server) {
    Cluster cluster = Cluster.get(system);
    for (var m : cluster.state().getMembers()) {
      if (server.equals(NodeConfig.serverOf(m.getRoles()))) {
        cluster.manager().tell(Leave.create(m.address()));
        cluster.manager().tell(new org.apache.pekko.cluster.typed.Down(m.address()));
      }
    }
  }

  private Map<String, Object> ping() {
    return Map.of(
        "server",
        settings.server(),
        "region",
        settings.region(),
        "version",
        Version.VALUE,
        "up",
        Cluster.get(system).selfMember().status() == org.apache.pekko.cluster.MemberStatus.up());
  }

  private CompletionStage<DeployResult> deploy(DeployRequest req) {
    return AskPattern.ask(
        agent,
        (ActorRef<DeployResult> r) -> new NodeAgent.RunDeploy(req, r),
        settings.deployTimeout(),
        system.scheduler());
  }

  private Route deployed(DeployResult result) {
    return json(StatusCodes.OK, result);
  }

  /** Parses a JSON body strictly; a bad body is a 400 naming the field. */
  private <T> Route body(Class<T> type, java.util.function.Function<T, Route> inner) {
    return entity(
        Unmarshaller.entityToString(),
        text -> {
          try {
            return inner.apply(Json.strict().readValue(text, type));
          } catch (UnrecognizedPropertyException e) {
            return json(
                StatusCodes.BAD_REQUEST,
                new ApiError("unknown field \"" + e.getPropertyName() + "\"", e.getPropertyName()));
          } catch (MismatchedInputException e) {
            String field = fieldOf(e).orElse(null);
            return json(
                StatusCodes.BAD_REQUEST,
                new ApiError(
                    "wrong type or missing value" + (field == null ? "" : " for " + field), field));
          } catch (JsonProcessingException e) {
            return json(
                StatusCodes.BAD_REQUEST, ApiError.of("malformed JSON: " + e.getOriginalMessage()));
          } catch (RuntimeException e) {
            return json(StatusCodes.BAD_REQUEST, ApiError.of("invalid request: " + e.getMessage()));
          }
        });
  }

  private static Optional<String> fieldOf(MismatchedInputException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName())
        .filter(n -> n != null)
        .reduce((a, b) -> a + "." + b);
  }

  static Route json(StatusCode status, Object value) {
    return new AllDirectives() {}.complete(
        HttpResponse.create()
            .withStatus(status)
            .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.write(value))));
  }
}
