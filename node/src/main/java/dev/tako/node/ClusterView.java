package dev.tako.node;

import dev.tako.protocol.api.StatusView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Cluster-wide status, gathered at the HTTP edge: membership and reachability from this node's
 * cluster state, then each reachable member's NodeAgent asked with a timeout. A member that is
 * unreachable or does not answer is reported as such with the apps it had the last time it answered
 * here, marked stale; it is never waited on beyond the timeout.
 */
public final class ClusterView {
  private final ActorSystem<?> system;
  private final Duration timeout;
  private final Map<String, NodeAgent.ServerStatus> lastKnown = new ConcurrentHashMap<>();

  public ClusterView(ActorSystem<?> system, Duration timeout) {
    this.system = system;
    this.timeout = timeout;
  }

  /** Members with their status; servers are named by their role. */
  public List<StatusView.Member> members() {
    Cluster cluster = Cluster.get(system);
    var state = cluster.state();
    Set<Member> unreachable = new java.util.HashSet<>();
    state.getUnreachable().forEach(unreachable::add);
    List<StatusView.Member> out = new ArrayList<>();
    for (Member m : state.getMembers()) {
      String server = NodeConfig.serverOf(m.getRoles());
      if (server == null) {
        continue;
      }
      String status = unreachable.contains(m) ? "unreachable" : statusName(m.status());
      String address = m.address().host().getOrElse(() -> "?") + ":" + m.address().port().get();
      out.add(
          new StatusView.Member(server, m.dataCenter(), address, status, m.appVersion().version()));
    }
    out.sort(Comparator.comparing(StatusView.Member::server));
    return out;
  }

  private static String statusName(MemberStatus s) {
    if (s == MemberStatus.up()) {
      return "up";
    }
    if (s == MemberStatus.joining() || s == MemberStatus.weaklyUp()) {
      return "joining";
    }
    if (s == MemberStatus.leaving() || s == MemberStatus.exiting()) {
      return "leaving";
    }
    return "down";
  }

  public CompletionStage<StatusView> status() {
    List<StatusView.Member> members = members();
    List<CompletableFuture<NodeAgent.ServerStatus>> asks = new ArrayList<>();
    for (StatusView.Member m : members) {
      if (m.status().equals("up") || m.status().equals("leaving")) {
        asks.add(ask(m.server()).toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              Map<String, NodeAgent.ServerStatus> answered =
                  asks.stream()
                      .map(f -> f.getNow(null))
                      .filter(s -> s != null)
                      .collect(Collectors.toMap(NodeAgent.ServerStatus::server, s -> s));
              lastKnown.putAll(answered);
              return assemble(members, answered);
            });
  }

  private CompletionStage<NodeAgent.ServerStatus> ask(String server) {
    return askAgent(server, NodeAgent.GetStatus::new).exceptionally(e -> null);
  }

  /**
   * Asks the NodeAgent of a server (found through the Receptionist) with the timeout; fails when
   * the server has no agent in the cluster or does not answer in time.
   */
  public <T> CompletionStage<T> askAgent(
      String server, java.util.function.Function<ActorRef<T>, NodeAgent.Command> message) {
    var key = NodeAgent.key(server);
    return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
            system.receptionist(), r -> Receptionist.find(key, r), timeout, system.scheduler())
        .thenCompose(
            listing -> {
              var refs = listing.getServiceInstances(key);
              if (refs.isEmpty()) {
                return CompletableFuture.failedFuture(
                    new IllegalStateException(
                        "server " + server + " is not in the cluster (see tako status)"));
              }
              return AskPattern.<NodeAgent.Command, T>ask(
                  refs.iterator().next(), message::apply, timeout, system.scheduler());
            });
  }

  /**
   * Asks the NodeAgent of each of {@code servers} at once; completes with the answers that came in
   * time (a server that failed or did not answer is left out).
   */
  public <T> CompletionStage<List<T>> askEach(
      java.util.Collection<String> servers,
      java.util.function.Function<ActorRef<T>, NodeAgent.Command> message) {
    List<CompletableFuture<T>> asks = new ArrayList<>();
    for (String server : servers) {
      asks.add(this.<T>askAgent(server, message).exceptionally(e -> null).toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(v -> asks.stream().map(f -> f.getNow(null)).filter(a -> a != null).toList());
  }

  /** The servers of the members that are up. */
  public List<String> upServers() {
    return members().stream()
        .filter(m -> m.status().equals("up"))
        .map(StatusView.Member::server)
        .toList();
  }

  /** The releases of an app/env merged across every member that answers. */
  public CompletionStage<dev.tako.protocol.api.ReleasesView> releases(String app, String env) {
    return this.<NodeAgent.ReleasesOnServer>askEach(
            upServers(), r -> new NodeAgent.GetReleases(app, env, r))
        .thenApply(
            answers -> {
              Map<String, List<ReleaseHistory.Known>> byServer = new java.util.TreeMap<>();
              for (NodeAgent.ReleasesOnServer r : answers) {
                if (!r.releases().isEmpty()) {
                  byServer.put(r.server(), r.releases());
                }
              }
              return ReleaseHistory.merge(byServer);
            });
  }

  /**
   * Who holds the deploy lock of an app/env on any member that is up, or empty when it is free
   * everywhere that answered (a member that does not answer cannot refuse the deploy now; the
   * rollout asks it again).
   */
  public CompletionStage<java.util.Optional<String>> lockHolder(String app, String env) {
    return this.<NodeAgent.StepResult>askEach(upServers(), r -> new NodeAgent.GetLease(app, env, r))
        .thenApply(
            answers ->
                answers.stream().filter(r -> !r.ok()).map(NodeAgent.StepResult::error).findFirst());
  }

  private StatusView assemble(
      List<StatusView.Member> members, Map<String, NodeAgent.ServerStatus> answered) {
    Map<String, StatusView.AppView> apps = new java.util.TreeMap<>();
    Map<String, List<StatusView.ServerAppView>> byApp = new java.util.HashMap<>();
    // Servers that answered before but are no members now (stopped, left) keep their last apps.
    List<String> servers = new ArrayList<>();
    members.forEach(m -> servers.add(m.server()));
    lastKnown.keySet().stream().filter(k -> !servers.contains(k)).sorted().forEach(servers::add);
    for (String server : servers) {
      NodeAgent.ServerStatus s = answered.get(server);
      boolean stale = false;
      if (s == null) {
        s = lastKnown.get(server);
        stale = true;
      }
      if (s == null) {
        continue;
      }
      for (NodeAgent.AppOnServer a : s.apps()) {
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
