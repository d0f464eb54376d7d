package dev.tako.node;

import dev.tako.node.api.ApiDirectives;
import dev.tako.node.api.RolloutStream;
import dev.tako.node.cluster.ClusterRoutes;
import dev.tako.node.cluster.ClusterView;
import dev.tako.node.delete.DeleteRoutes;
import dev.tako.node.deploy.DeployRoutes;
import dev.tako.node.leases.LockRoutes;
import dev.tako.node.logs.ClusterLogs;
import dev.tako.node.logs.LogsRoutes;
import dev.tako.node.releases.ReleasesRoutes;
import dev.tako.node.run.RunRoutes;
import dev.tako.node.scale.ScaleRoutes;
import dev.tako.node.secrets.SecretsRoutes;
import dev.tako.node.status.ClusterStatus;
import dev.tako.node.status.StatusRoutes;
import dev.tako.protocol.api.ApiError;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.Rejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;

/**
 * The management API the CLI reaches through its SSH tunnel (bound to 127.0.0.1 only): every
 * request needs the bearer token, then each feature's routes answer under {@code /v1}. Errors are
 * JSON {@link ApiError}s with the matching status. Asks into the actor system happen only in these
 * routes, each with a timeout from {@link NodeSettings}.
 */
public final class ManagementRoutes extends ApiDirectives {
  static final long MAX_BODY = 1024 * 1024;

  private final AdminToken token;
  private final Route features;

  public ManagementRoutes(
      ActorSystem<?> system,
      NodeSettings settings,
      AdminToken token,
      ActorRef<NodeAgent.Command> agent,
      ClusterView clusterView,
      ClusterStatus clusterStatus,
      dev.tako.node.upgrade.NodeHandover handover) {
    this.token = token;
    RolloutStream rollouts = new RolloutStream(system, agent, settings.deployTimeout());
    this.features =
        concat(
            new ClusterRoutes(system, settings, clusterView).route(),
            new StatusRoutes(clusterStatus).route(),
            new DeployRoutes(rollouts).route(),
            new ReleasesRoutes(clusterView, rollouts).route(),
            new SecretsRoutes(clusterView, rollouts).route(),
            new LockRoutes(clusterView).route(),
            new LogsRoutes(new ClusterLogs(clusterView)).route(),
            new ScaleRoutes(clusterView).route(),
            new DeleteRoutes(clusterView, settings.deployTimeout(), agent).route(),
            new RunRoutes(system, settings, clusterView).route(),
            new dev.tako.node.upgrade.HandoverRoutes(handover).route());
  }

  public Route routes() {
    return handleRejections(
        RejectionHandler.newBuilder()
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
                Rejection.class,
                rejections ->
                    json(StatusCodes.BAD_REQUEST, ApiError.of("bad request: " + rejections)))
            .build(),
        () ->
            optionalHeaderValueByName(
                "Authorization",
                auth ->
                    token.accepts(auth.orElse(null))
                        ? withSizeLimit(MAX_BODY, () -> pathPrefix("v1", () -> features))
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
}
