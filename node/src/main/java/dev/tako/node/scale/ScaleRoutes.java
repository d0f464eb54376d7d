package dev.tako.node.scale;

import dev.tako.node.NodeAgent;
import dev.tako.node.StepResult;
import dev.tako.node.api.ApiDirectives;
import dev.tako.node.cluster.ClusterView;
import dev.tako.protocol.api.DeployResult;
import dev.tako.protocol.api.ScaleRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code POST /v1/scale} ({@code tako scale}): sets the desired instances of an app/env on each
 * named server (persisted there, above its cap refused); each server answers for itself, one that
 * does not answer is "failed" with the reason.
 */
public final class ScaleRoutes extends ApiDirectives {
  private final ClusterView view;

  public ScaleRoutes(ClusterView view) {
    this.view = view;
  }

  public Route route() {
    return path(
        "scale",
        () ->
            post(
                () ->
                    body(
                        ScaleRequest.class,
                        req -> onSuccess(scale(req), r -> json(StatusCodes.OK, r)))));
  }

  private CompletionStage<DeployResult> scale(ScaleRequest req) {
    List<CompletableFuture<DeployResult.ServerResult>> asks = new ArrayList<>();
    for (String server : req.servers()) {
      asks.add(
          view.<StepResult>askAgent(
                  server, r -> new NodeAgent.SetScale(req.app(), req.env(), req.instances(), r))
              .handle(
                  (r, e) ->
                      e != null
                          ? new DeployResult.ServerResult(
                              server, "failed", StepResult.rootMessage(e))
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
}
