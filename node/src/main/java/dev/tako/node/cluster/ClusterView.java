package dev.tako.node.cluster;

import dev.tako.node.NodeAgent;
import dev.tako.node.NodeConfig;
import dev.tako.protocol.api.StatusView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The cluster as the HTTP edge sees it: membership and reachability from this node's cluster state,
 * and each member's NodeAgent, found through the Receptionist and asked with a timeout. An ask
 * fails when the server has no agent in the cluster or does not answer in time; nothing is waited
 * on beyond the timeout.
 */
public final class ClusterView {
  private final ActorSystem<?> system;
  private final Duration timeout;

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
}
