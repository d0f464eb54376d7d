package dev.tako.node.status;

import dev.tako.node.api.ApiDirectives;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code GET /v1/status} ({@code tako status}): the cluster's apps, see {@link ClusterStatus}. */
public final class StatusRoutes extends ApiDirectives {
  private final ClusterStatus status;

  public StatusRoutes(ClusterStatus status) {
    this.status = status;
  }

  public Route route() {
    return path(
        "status", () -> get(() -> onSuccess(status.status(), v -> json(StatusCodes.OK, v))));
  }
}
