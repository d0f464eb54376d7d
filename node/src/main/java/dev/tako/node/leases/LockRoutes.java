package dev.tako.node.leases;

import dev.tako.node.NodeAgent;
import dev.tako.node.StepResult;
import dev.tako.node.api.ApiDirectives;
import dev.tako.node.cluster.ClusterView;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/lock?app=A&env=E}: whether a deploy of the app/env would be refused now, asked by
 * the CLI before it builds and uploads. A member that does not answer cannot refuse the deploy now
 * (the rollout asks it again).
 */
public final class LockRoutes extends ApiDirectives {
  private final ClusterView view;

  public LockRoutes(ClusterView view) {
    this.view = view;
  }

  public Route route() {
    return getForApp(
        "lock",
        (app, env) ->
            onSuccess(
                lockHolder(app, env),
                holder -> json(StatusCodes.OK, lockAnswer(app, env, holder))));
  }

  /** Who holds the deploy lock of an app/env on any up member, or empty when it is free. */
  private CompletionStage<Optional<String>> lockHolder(String app, String env) {
    return view.<StepResult>askEach(view.upServers(), r -> new NodeAgent.GetLease(app, env, r))
        .thenApply(
            answers -> answers.stream().filter(r -> !r.ok()).map(StepResult::error).findFirst());
  }

  /**
   * {@code {"locked": false}}, or {@code {"locked": true, "error": …}} with the words a refused
   * deploy would use.
   */
  static Map<String, Object> lockAnswer(String app, String env, Optional<String> holder) {
    if (holder.isEmpty()) {
      return Map.of("locked", false);
    }
    return Map.of("locked", true, "error", Leases.lockedMessage(app, env, holder.get()));
  }
}
