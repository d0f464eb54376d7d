package dev.tako.node.delete;

import dev.tako.node.NodeAgent;
import dev.tako.node.StepResult;
import dev.tako.node.api.ApiDirectives;
import dev.tako.node.cluster.ClusterView;
import dev.tako.protocol.api.DeleteRequest;
import dev.tako.protocol.api.DeleteResult;
import dev.tako.protocol.api.DeployResult.ServerResult;
import dev.tako.protocol.api.StatusView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code POST /v1/delete} ({@code tako delete}): every named server removes the app's environment
 * at once, each answering for itself when its instances have drained and its files are gone. A
 * server the cluster holds unreachable (or that is not in it) is not asked: it is reported {@code
 * unreachable}, so the answer never waits on a dead region.
 */
public final class DeleteRoutes extends ApiDirectives {
  private final ClusterView view;
  private final Duration timeout;
  private final ActorRef<NodeAgent.Command> agent;

  /**
   * @param timeout how long one server may take (its drain and stop included)
   */
  public DeleteRoutes(ClusterView view, Duration timeout, ActorRef<NodeAgent.Command> agent) {
    this.view = view;
    this.timeout = timeout;
    this.agent = agent;
  }

  public Route route() {
    return path(
        "delete",
        () ->
            post(
                () ->
                    body(
                        DeleteRequest.class,
                        req -> onSuccess(delete(req), r -> json(StatusCodes.OK, r)))));
  }

  private CompletionStage<DeleteResult> delete(DeleteRequest req) {
    Map<String, String> status =
        view.members().stream()
            .collect(
                Collectors.toMap(
                    StatusView.Member::server, StatusView.Member::status, (a, b) -> a));
    List<CompletableFuture<ServerResult>> asks = new ArrayList<>();
    for (String server : req.servers()) {
      String s = status.get(server);
      if (s == null || s.equals("unreachable") || s.equals("down")) {
        asks.add(CompletableFuture.completedFuture(unreachable(server)));
        continue;
      }
      asks.add(
          view.<StepResult>askAgent(
                  server,
                  r -> new NodeAgent.DeleteApp(req.app(), req.env(), req.purgeData(), r),
                  timeout)
              .handle(
                  (r, e) ->
                      e != null
                          ? new ServerResult(server, "failed", StepResult.rootMessage(e))
                          : !r.ok()
                              ? new ServerResult(server, "failed", r.error())
                              : new ServerResult(
                                  server, r.unchanged() ? "not-deployed" : "deleted", null))
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              List<ServerResult> results = asks.stream().map(f -> f.getNow(null)).toList();
              List<String> gone =
                  results.stream()
                      .filter(r -> r.result().equals("unreachable"))
                      .map(ServerResult::server)
                      .toList();
              boolean ok = results.stream().noneMatch(r -> r.result().equals("failed"));
              // The cluster remembers the deletion: servers that were away remove the app later.
              agent.tell(
                  new NodeAgent.Deleted(
                      req.app(),
                      req.env(),
                      req.servers(),
                      results.stream()
                          .filter(r -> !r.result().equals("unreachable"))
                          .filter(r -> !r.result().equals("failed"))
                          .map(ServerResult::server)
                          .toList()));
              return new DeleteResult(ok, results, gone);
            });
  }

  private static ServerResult unreachable(String server) {
    return new ServerResult(
        server,
        "unreachable",
        "not reachable in the cluster now; it removes the app by itself once it is back");
  }
}
