package dev.tako.node.cluster;

import dev.tako.node.NodeAgent;
import dev.tako.node.NodeConfig;
import dev.tako.protocol.api.StatusView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The cluster as the HTTP edge sees it: each member's status from this node's cluster state ({@link
 * MemberStatusPolicy}: membership, Pekko's reachability within this region and of whole other
 * regions, and this node's own unanswered asks to the member), and each member's NodeAgent, found
 * through the Receptionist and asked with a timeout. An ask fails when the server has no agent in
 * the cluster or does not answer in time; nothing is waited on beyond the timeout.
 */
public final class ClusterView {
  private final ActorSystem<?> system;
  private final Duration timeout;
  private final Map<String, Integer> failedAsks = new ConcurrentHashMap<>();

  public ClusterView(ActorSystem<?> system, Duration timeout) {
    this.system = system;
    this.timeout = timeout;
  }

  /** The actor system whose cluster this is (for schedulers of the edge's background work). */
  public ActorSystem<?> system() {
    return system;
  }

  /** Members with their status; servers are named by their role. */
  public List<StatusView.Member> members() {
    return known().stream().map(Known::member).sorted(BY_SERVER).toList();
  }

  private static final Comparator<StatusView.Member> BY_SERVER =
      Comparator.comparing(StatusView.Member::server);

  /**
   * A member as this node knows it, and whether a background refresh of its state may ask it (Pekko
   * holds it reachable: asking a member Pekko already lost only waits).
   */
  public record Known(StatusView.Member member, boolean refresh) {}

  /** Every member with its status and refresh flag (see {@link Known}). */
  public List<Known> known() {
    Cluster cluster = Cluster.get(system);
    var state = cluster.state();
    String selfRegion = cluster.selfMember().dataCenter();
    Set<Member> unreachable = new HashSet<>(state.getUnreachable());
    Set<String> unreachableRegions = new HashSet<>(state.getUnreachableDataCenters());
    List<Known> out = new ArrayList<>();
    for (Member m : state.getMembers()) {
      String server = NodeConfig.serverOf(m.getRoles());
      if (server == null) {
        continue;
      }
      var facts =
          new MemberStatusPolicy.Facts(
              m.dataCenter(),
              statusName(m.status()),
              unreachable.contains(m),
              failedAsks.getOrDefault(server, 0));
      String status = MemberStatusPolicy.status(selfRegion, unreachableRegions, facts);
      String address = m.address().host().getOrElse(() -> "?") + ":" + m.address().port().get();
      out.add(
          new Known(
              new StatusView.Member(
                  server, m.dataCenter(), address, status, m.appVersion().version()),
              MemberStatusPolicy.refresh(selfRegion, unreachableRegions, facts)));
    }
    return out;
  }

  /** The member answered an ask: its earlier silence no longer counts. */
  public void answered(String server) {
    failedAsks.remove(server);
  }

  /**
   * An ask to the member timed out. Only silence counts: a member whose agent is not registered yet
   * (just joined) is not unreachable.
   */
  public void silent(String server) {
    failedAsks.merge(server, 1, Integer::sum);
  }

  /** Whether this node's last ask to the member went unanswered. */
  public boolean wasSilent(String server) {
    return failedAsks.containsKey(server);
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
   * Asks the NodeAgent of a server (found through the Receptionist) with the node's ask timeout;
   * fails when the server has no agent in the cluster or does not answer in time.
   */
  public <T> CompletionStage<T> askAgent(
      String server, Function<ActorRef<T>, NodeAgent.Command> message) {
    return askAgent(server, message, timeout);
  }

  /** {@link #askAgent(String, Function)} with its own bound for the Receptionist and the agent. */
  public <T> CompletionStage<T> askAgent(
      String server, Function<ActorRef<T>, NodeAgent.Command> message, Duration timeout) {
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
      java.util.Collection<String> servers, Function<ActorRef<T>, NodeAgent.Command> message) {
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
