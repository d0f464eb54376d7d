package dev.tako.node.status;

import dev.tako.node.NodeAgent;
import dev.tako.node.cluster.ClusterView;
import dev.tako.protocol.api.StatusView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Cluster-wide status ({@code tako status}), gathered at the HTTP edge: membership and reachability
 * from {@link ClusterView}, then each reachable member's NodeAgent asked with a timeout. A member
 * that is unreachable or does not answer is reported as such with the apps it had the last time it
 * answered here, marked stale; it is never waited on beyond the timeout.
 */
public final class ClusterStatus {
  private final ClusterView view;
  private final Map<String, ServerStatus> lastKnown = new ConcurrentHashMap<>();

  public ClusterStatus(ClusterView view) {
    this.view = view;
  }

  public CompletionStage<StatusView> status() {
    List<StatusView.Member> members = view.members();
    List<CompletableFuture<ServerStatus>> asks = new ArrayList<>();
    for (StatusView.Member m : members) {
      if (m.status().equals("up") || m.status().equals("leaving")) {
        asks.add(
            view.<ServerStatus>askAgent(m.server(), NodeAgent.GetStatus::new)
                .exceptionally(e -> null)
                .toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              Map<String, ServerStatus> answered =
                  asks.stream()
                      .map(f -> f.getNow(null))
                      .filter(s -> s != null)
                      .collect(Collectors.toMap(ServerStatus::server, s -> s));
              lastKnown.putAll(answered);
              return assemble(members, answered);
            });
  }

  private StatusView assemble(List<StatusView.Member> members, Map<String, ServerStatus> answered) {
    Map<String, StatusView.AppView> apps = new TreeMap<>();
    Map<String, List<StatusView.ServerAppView>> byApp = new HashMap<>();
    // Servers that answered before but are no members now (stopped, left) keep their last apps.
    List<String> servers = new ArrayList<>();
    members.forEach(m -> servers.add(m.server()));
    lastKnown.keySet().stream().filter(k -> !servers.contains(k)).sorted().forEach(servers::add);
    for (String server : servers) {
      ServerStatus s = answered.get(server);
      boolean stale = false;
      if (s == null) {
        s = lastKnown.get(server);
        stale = true;
      }
      if (s == null) {
        continue;
      }
      for (ServerStatus.AppOnServer a : s.apps()) {
        String key = a.app() + "/" + a.env();
        apps.putIfAbsent(key, new StatusView.AppView(a.app(), a.env(), a.routes(), List.of()));
        StatusView.ServerAppView v = a.view();
        if (stale) {
          v =
              new StatusView.ServerAppView(
                  v.server(), v.region(), v.release(), v.desired(), v.url(), true, v.instances());
        }
        byApp.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
      }
    }
    List<StatusView.AppView> out = new ArrayList<>();
    apps.forEach(
        (key, a) ->
            out.add(
                new StatusView.AppView(
                    a.app(), a.env(), a.routes(), byApp.getOrDefault(key, List.of()))));
    return new StatusView(new StatusView.Cluster(members), out);
  }
}
