package dev.tako.node.secrets;

import dev.tako.node.NodeAgent;
import dev.tako.node.api.ApiDirectives;
import dev.tako.node.api.RolloutStream;
import dev.tako.node.cluster.ClusterView;
import dev.tako.protocol.api.SecretsRequest;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code tako secrets}: {@code GET /v1/secrets?app=A&env=E} answers which secret set (by digest)
 * each up member holds, servers without one left out; {@code POST /v1/secrets} starts a secrets
 * sync on this node ({@link dev.tako.node.deploy.Rollout#syncSecrets}).
 */
public final class SecretsRoutes extends ApiDirectives {
  private final ClusterView view;
  private final RolloutStream rollouts;

  public SecretsRoutes(ClusterView view, RolloutStream rollouts) {
    this.view = view;
    this.rollouts = rollouts;
  }

  public Route route() {
    return concat(
        getForApp(
            "secrets",
            (app, env) ->
                onSuccess(digests(app, env), d -> json(StatusCodes.OK, Map.of("digests", d)))),
        postToServers(
            "secrets",
            SecretsRequest.class,
            SecretsRequest::servers,
            "secrets sync",
            req -> rollouts.run(ev -> new NodeAgent.RunSecretsSync(req, ev))));
  }

  private CompletionStage<Map<String, String>> digests(String app, String env) {
    return view.<SecretsDigest>askEach(
            view.upServers(), r -> new NodeAgent.GetSecretsDigest(app, env, r))
        .thenApply(
            answers -> {
              Map<String, String> out = new TreeMap<>();
              for (SecretsDigest d : answers) {
                if (d.digest() != null) {
                  out.put(d.server(), d.digest());
                }
              }
              return out;
            });
  }
}
