package dev.tako.node.releases;

import dev.tako.node.NodeAgent;
import dev.tako.node.api.ApiDirectives;
import dev.tako.node.api.RolloutStream;
import dev.tako.node.cluster.ClusterView;
import dev.tako.protocol.api.ReleasesView;
import dev.tako.protocol.api.RollbackRequest;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code tako releases ls} and {@code tako rollback}: {@code GET /v1/releases?app=A&env=E} merges
 * the releases every up member holds ({@link ReleaseHistory}; a member that does not answer is left
 * out), {@code POST /v1/rollback} starts a rollback on this node ({@link RollbackTarget}).
 */
public final class ReleasesRoutes extends ApiDirectives {
  private final ClusterView view;
  private final RolloutStream rollouts;

  public ReleasesRoutes(ClusterView view, RolloutStream rollouts) {
    this.view = view;
    this.rollouts = rollouts;
  }

  public Route route() {
    return concat(
        getForApp(
            "releases", (app, env) -> onSuccess(releases(app, env), v -> json(StatusCodes.OK, v))),
        postToServers(
            "rollback",
            RollbackRequest.class,
            RollbackRequest::servers,
            "rollback",
            req -> rollouts.run(ev -> new NodeAgent.RunRollback(req, ev))));
  }

  private CompletionStage<ReleasesView> releases(String app, String env) {
    return view.<ReleasesOnServer>askEach(
            view.upServers(), r -> new NodeAgent.GetReleases(app, env, r))
        .thenApply(
            answers -> {
              Map<String, List<ReleaseHistory.Known>> byServer = new TreeMap<>();
              for (ReleasesOnServer r : answers) {
                if (!r.releases().isEmpty()) {
                  byServer.put(r.server(), r.releases());
                }
              }
              return ReleaseHistory.merge(byServer);
            });
  }
}
