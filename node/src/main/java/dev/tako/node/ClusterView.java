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
 * Cluster-wide status, gathered at the HTTP edge: each member's status from this node's cluster
 * state ({@link MemberStatusPolicy}: membership, Pekko's reachability within this region and of
 * whole other regions, this node's own failed asks), then each member that is up asked with a short
 * timeout ({@link #STATUS_ASK_TIMEOUT}); a member that is unreachable is never asked, so {@code
 * tako status} answers within about that timeout however many members are dead.
 *
 * <p>Last known state: every node keeps the last status answer of each member in memory ({@link
 * StatusMerge} shows it, marked stale, for a member that is unreachable or did not answer). It is
 * refreshed by every status query and by a background refresh ({@link #startRefreshing}): every
 * {@link #TICK} the refresh asks, with the node's ask timeout, each member that Pekko holds
 * reachable and that is new or reachable again, did not answer its last ask, or has not answered
 * for {@link #REFRESH_AFTER}. So a node the CLI asks has a last known state of a member that died
 * before anyone asked for status, at the cost, without status traffic, of one status ask per member
 * per node every {@code REFRESH_AFTER} (each asks the member's app supervisors; n² small messages
 * cluster-wide). The state is lost with the node's process: a restarted node knows a member that is
 * already dead by its name only (listed without apps) until it answers again.
 */
public final class ClusterView {
  /** The limit of each member's answer to a status query. */
  static final Duration STATUS_ASK_TIMEOUT = Duration.ofMillis(1000);

  static final Duration TICK = Duration.ofSeconds(2);
  static final Duration REFRESH_AFTER = Duration.ofSeconds(10);

  private final ActorSystem<?> system;
  private final Duration timeout;
  private final Map<String, NodeAgent.ServerStatus> lastKnown = new ConcurrentHashMap<>();
  private final Map<String, Long> lastAnswerNanos = new ConcurrentHashMap<>();
  private final Map<String, Integer> failedAsks = new ConcurrentHashMap<>();
  private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
  // Members the previous tick could refresh; one new here (joined, reachable again) is asked now.
  private volatile Set<String> wasRefreshable = Set.of();

  public ClusterView(ActorSystem<?> system, Duration timeout) {
    this.system = system;
    this.timeout = timeout;
  }

  /** Members with their status; servers are named by their role. */
  public List<StatusView.Member> members() {
    List<StatusView.Member> out = new ArrayList<>();
    for (Known k : known()) {
      out.add(k.member());
    }
    out.sort(Comparator.comparing(StatusView.Member::server));
    return out;
  }

  private record Known(StatusView.Member member, boolean refresh) {}

  private List<Known> known() {
    Cluster cluster = Cluster.get(system);
    var state = cluster.state();
    String selfRegion = cluster.selfMember().dataCenter();
    Set<Member> unreachable = new java.util.HashSet<>(state.getUnreachable());
    Set<String> unreachableRegions = new java.util.HashSet<>(state.getUnreachableDataCenters());
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

  /**
   * Starts the background refresh of the last known state (see the class comment); it ends with the
   * actor system. A failed ask only counts for the member; the refresh goes on.
   */
  public void startRefreshing() {
    system
        .scheduler()
        .scheduleWithFixedDelay(TICK, TICK, this::refreshTick, system.executionContext());
  }

  private void refreshTick() {
    long now = System.nanoTime();
    Set<String> refreshable = new java.util.HashSet<>();
    for (Known k : known()) {
      String server = k.member().server();
      if (!k.refresh()) {
        continue;
      }
      refreshable.add(server);
      Long last = lastAnswerNanos.get(server);
      boolean due =
          last == null
              || !wasRefreshable.contains(server)
              || failedAsks.containsKey(server)
              || now - last >= REFRESH_AFTER.toNanos();
      if (due && refreshing.add(server)) {
        askAgent(server, NodeAgent.GetStatus::new, timeout)
            .whenComplete(
                (s, e) -> {
                  refreshing.remove(server);
                  if (e == null) {
                    answered(s);
                  } else if (isTimeout(e)) {
                    // Only silence counts: a member whose agent is not registered yet (just
                    // joined) is not unreachable.
                    failedAsks.merge(server, 1, Integer::sum);
                  }
                });
      }
    }
    wasRefreshable = refreshable;
  }

  private static boolean isTimeout(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException) {
        return true;
      }
    }
    return false;
  }

  private void answered(NodeAgent.ServerStatus s) {
    lastKnown.put(s.server(), s);
    lastAnswerNanos.put(s.server(), System.nanoTime());
    failedAsks.remove(s.server());
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
   * The cluster's status: members, and the apps of each member that is up as it answers within
   * {@link #STATUS_ASK_TIMEOUT}, the others' from the last known state (stale).
   */
  public CompletionStage<StatusView> status() {
    List<StatusView.Member> members = members();
    List<CompletableFuture<NodeAgent.ServerStatus>> asks = new ArrayList<>();
    for (StatusView.Member m : members) {
      if (MemberStatusPolicy.askNow(m.status())) {
        asks.add(
            this.<NodeAgent.ServerStatus>askAgent(
                    m.server(), NodeAgent.GetStatus::new, STATUS_ASK_TIMEOUT)
                .exceptionally(e -> null)
                .toCompletableFuture()
                // One bound for the Receptionist and the agent together.
                .completeOnTimeout(
                    null,
                    STATUS_ASK_TIMEOUT.toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS));
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
              answered.values().forEach(this::answered);
              return StatusMerge.merge(members, answered, Map.copyOf(lastKnown));
            });
  }

  /**
   * Asks the NodeAgent of a server (found through the Receptionist) with the timeout; fails when
   * the server has no agent in the cluster or does not answer in time.
   */
  public <T> CompletionStage<T> askAgent(
      String server, java.util.function.Function<ActorRef<T>, NodeAgent.Command> message) {
    return askAgent(server, message, timeout);
  }

  private <T> CompletionStage<T> askAgent(
      String server,
      java.util.function.Function<ActorRef<T>, NodeAgent.Command> message,
      Duration timeout) {
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
}
