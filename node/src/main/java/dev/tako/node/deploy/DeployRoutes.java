package dev.tako.node.deploy;

import dev.tako.node.NodeAgent;
import dev.tako.node.api.ApiDirectives;
import dev.tako.node.api.RolloutStream;
import dev.tako.protocol.api.DeployRequest;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code POST /v1/deploy}: a {@link DeployRequest} naming at least one server starts a {@link
 * Rollout} on this node, answered as its events stream ({@link RolloutStream}).
 */
public final class DeployRoutes extends ApiDirectives {
  private final RolloutStream rollouts;

  public DeployRoutes(RolloutStream rollouts) {
    this.rollouts = rollouts;
  }

  public Route route() {
    return postToServers(
        "deploy",
        DeployRequest.class,
        DeployRequest::servers,
        "deploy",
        req -> rollouts.run(ev -> new NodeAgent.RunDeploy(req, ev)));
  }
}
