package dev.tako.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.tako.protocol.Json;
import dev.tako.protocol.Version;
import dev.tako.protocol.api.ApiError;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.api.DeployResult;
import dev.tako.protocol.api.RollbackRequest;
import dev.tako.protocol.api.RolloutEvent;
import dev.tako.protocol.api.ScaleRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Leave;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;
import org.apache.pekko.util.ByteString;

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
            // The default handler's special cases, which a custom handler loses: a body over the
            // limit is 413 (not 400), a wrong method 405.
            .handle(MalformedRequestContentRejection.class, ManagementRoutes::unreadableBody)
            .handleAll(
                MethodRejection.class,
                rejections ->
                    json(
                        StatusCodes.METHOD_NOT_ALLOWED,
                        ApiError.of(
                            "method not allowed here; use "
                                + rejections.stream()
                                    .map(r -> r.supported().name())
                                    .distinct()
                                    .collect(Collectors.joining(" or ")))))
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

  private static Route unreadableBody(MalformedRequestContentRejection rejection) {
    for (Throwable t = rejection.getCause(); t != null; t = t.getCause()) {
      if (t instanceof EntityStreamSizeException) {
        return json(
            StatusCodes.PAYLOAD_TOO_LARGE,
            ApiError.of(
                "request body over "
                    + MAX_BODY / (1024 * 1024)
                    + " MiB; the management API takes small JSON requests only"));
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return json(StatusCodes.BAD_REQUEST, ApiError.of("unreadable body: " + rejection.message()));
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
                                body(
                                    DeployRequest.class,
                                    req ->
                                        req.servers().isEmpty()
                                            ? json(
                                                StatusCodes.BAD_REQUEST,
                                                new ApiError(
                                                    "a deploy names at least one server",
                                                    "servers"))
                                            : rollout(ev -> new NodeAgent.RunDeploy(req, ev))))),
                path(
                    "rollback",
                    () ->
                        post(
                            () ->
                                body(
                                    RollbackRequest.class,
                                    req ->
                                        req.servers().isEmpty()
                                            ? json(
                                                StatusCodes.BAD_REQUEST,
                                                new ApiError(
                                                    "a rollback names at least one server",
                                                    "servers"))
                                            : rollout(ev -> new NodeAgent.RunRollback(req, ev))))),
                getForApp(
                    "secrets",
                    (app, env) ->
                        onSuccess(
                            secretsDigests(app, env),
                            d -> json(StatusCodes.OK, Map.of("digests", d)))),
                path(
                    "secrets",
                    () ->
                        post(
                            () ->
                                body(
                                    dev.tako.protocol.api.SecretsRequest.class,
                                    req ->
                                        req.servers().isEmpty()
                                            ? json(
                                                StatusCodes.BAD_REQUEST,
                                                new ApiError(
                                                    "a secrets sync names at least one server",
                                                    "servers"))
                                            : rollout(
                                                ev -> new NodeAgent.RunSecretsSync(req, ev))))),
                getForApp(
                    "releases",
                    (app, env) ->
                        onSuccess(clusterView.releases(app, env), v -> json(StatusCodes.OK, v))),
                getForApp(
                    "lock",
                    (app, env) ->
                        onSuccess(
                            clusterView.lockHolder(app, env),
                            holder -> json(StatusCodes.OK, lockAnswer(app, env, holder)))),
                new LogsRoutes(new ClusterLogs(clusterView)).route(),
                path(
                    "scale",
                    () ->
                        post(
                            () ->
                                body(
                                    ScaleRequest.class,
                                    req -> onSuccess(scale(req), r -> json(StatusCodes.OK, r))))),
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

  /** {@code GET /v1/<segment>?app=A&env=E}, answered by {@code answer}. */
  private Route getForApp(
      String segment, java.util.function.BiFunction<String, String, Route> answer) {
    return path(
        segment,
        () -> get(() -> parameter("app", app -> parameter("env", env -> answer.apply(app, env)))));
  }

  /**
   * {@code GET /v1/lock}: {@code {"locked": false}}, or {@code {"locked": true, "error": …}} with
   * the words a refused deploy would use.
   */
  static Map<String, Object> lockAnswer(String app, String env, java.util.Optional<String> holder) {
    if (holder.isEmpty()) {
      return Map.of("locked", false);
    }
    return Map.of("locked", true, "error", Rollout.lockedMessage(app, env, holder.get()));
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

  /**
   * Starts a rollout on the agent and answers with its events: an NDJSON stream (progress as it
   * happens, then the result) when the client accepts {@code application/x-ndjson}, else the final
   * {@link DeployResult} as one JSON object. Streaming also keeps a long rollout's connection busy.
   */
  private Route rollout(
      java.util.function.Function<ActorRef<RolloutEvent>, NodeAgent.Command> command) {
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
              settings.deployTimeout().plusMinutes(1),
              () -> onSuccess(result, ev -> json(StatusCodes.OK, ev.result())));
        });
  }

  private static final ContentType NDJSON =
      ContentTypes.create(
          MediaTypes.customWithFixedCharset(
              "application", "x-ndjson", HttpCharsets.UTF_8, new java.util.HashMap<>(), false));

  /** Sets the desired instances on each named server; each answers for itself. */
  private CompletionStage<DeployResult> scale(ScaleRequest req) {
    List<CompletableFuture<DeployResult.ServerResult>> asks = new ArrayList<>();
    for (String server : req.servers()) {
      asks.add(
          clusterView
              .<NodeAgent.StepResult>askAgent(
                  server, r -> new NodeAgent.SetScale(req.app(), req.env(), req.instances(), r))
              .handle(
                  (r, e) ->
                      e != null
                          ? new DeployResult.ServerResult(server, "failed", rootMessage(e))
                          : r.ok()
                              ? new DeployResult.ServerResult(server, "scaled", null)
                              : new DeployResult.ServerResult(server, "failed", r.error()))
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              List<DeployResult.ServerResult> results =
                  asks.stream().map(f -> f.getNow(null)).toList();
              boolean ok = results.stream().allMatch(r -> r.result().equals("scaled"));
              return new DeployResult(ok, null, results);
            });
  }

  /** Which secret set each up member holds for an app/env (servers without one are left out). */
  private CompletionStage<Map<String, String>> secretsDigests(String app, String env) {
    List<CompletableFuture<NodeAgent.SecretsDigest>> asks = new ArrayList<>();
    for (var m : clusterView.members()) {
      if (m.status().equals("up")) {
        asks.add(
            clusterView
                .<NodeAgent.SecretsDigest>askAgent(
                    m.server(), r -> new NodeAgent.GetSecretsDigest(app, env, r))
                .exceptionally(e -> null)
                .toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              Map<String, String> out = new java.util.TreeMap<>();
              for (var f : asks) {
                NodeAgent.SecretsDigest d = f.getNow(null);
                if (d != null && d.digest() != null) {
                  out.put(d.server(), d.digest());
                }
              }
              return out;
            });
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getMessage() != null ? c.getMessage() : c.toString();
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
