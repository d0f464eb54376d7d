package dev.tako.node.status;

import dev.tako.node.NodeAgent;
import dev.tako.node.cluster.ClusterView;
import dev.tako.node.cluster.MemberStatusPolicy;
import dev.tako.protocol.api.StatusView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Cluster-wide status ({@code tako status}), gathered at the HTTP edge: each member's status from
 * {@link ClusterView}, then each member that is up asked with a short timeout ({@link
 * #STATUS_ASK_TIMEOUT}); a member that is unreachable is never asked, so {@code tako status}
 * answers within about that timeout however many members are dead.
 *
 * <p>Last known state: this node keeps the last status answer of each member in memory ({@link
 * StatusMerge} shows it, marked stale, for a member that is unreachable or did not answer). It is
 * refreshed by every status query and by a background refresh ({@link #startRefreshing}): every
 * {@link #TICK} it asks, with the node's ask timeout, each member that Pekko holds reachable and
 * that is new or reachable again, did not answer its last ask, or has not answered for {@link
 * #REFRESH_AFTER}. So the node the CLI asks has a last known state of a member that died before
 * anyone asked for status, at the cost, without status traffic, of one status ask per member per
 * node every {@code REFRESH_AFTER} (each asks the member's app supervisors; n² small messages
 * cluster-wide). The state is lost with the node's process: a restarted node knows a member that is
 * already dead by its name only (listed without apps) until it answers again.
 */
public final class ClusterStatus {
  /** The limit of each member's answer to a status query. */
  static final Duration STATUS_ASK_TIMEOUT = Duration.ofMillis(1000);

  static final Duration TICK = Duration.ofSeconds(2);
  static final Duration REFRESH_AFTER = Duration.ofSeconds(10);

  private final ClusterView view;
  private final Map<String, ServerStatus> lastKnown = new ConcurrentHashMap<>();
  private final Map<String, Long> lastAnswerNanos = new ConcurrentHashMap<>();
  private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
  // Members the previous tick could refresh; one new here (joined, reachable again) is asked now.
  private volatile Set<String> wasRefreshable = Set.of();

  public ClusterStatus(ClusterView view) {
    this.view = view;
  }

  /**
   * Starts the background refresh of the last known state (see the class comment); it ends with the
   * actor system. A failed ask only counts for the member; the refresh goes on.
   */
  public ClusterStatus startRefreshing() {
    var system = view.system();
    system
        .scheduler()
        .scheduleWithFixedDelay(TICK, TICK, this::refreshTick, system.executionContext());
    return this;
  }

  private void refreshTick() {
    long now = System.nanoTime();
    Set<String> refreshable = new HashSet<>();
    for (ClusterView.Known k : view.known()) {
      String server = k.member().server();
      if (!k.refresh()) {
        continue;
      }
      refreshable.add(server);
      Long last = lastAnswerNanos.get(server);
      boolean due =
          last == null
              || !wasRefreshable.contains(server)
              || view.wasSilent(server)
              || now - last >= REFRESH_AFTER.toNanos();
      if (due && refreshing.add(server)) {
        view.<ServerStatus>askAgent(server, NodeAgent.GetStatus::new)
            .whenComplete(
                (s, e) -> {
                  refreshing.remove(server);
                  if (e == null) {
                    answered(s);
                  } else if (isTimeout(e)) {
                    view.silent(server);
                  }
                });
      }
    }
    wasRefreshable = refreshable;
  }

  private static boolean isTimeout(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  private void answered(ServerStatus s) {
    lastKnown.put(s.server(), s);
    lastAnswerNanos.put(s.server(), System.nanoTime());
    view.answered(s.server());
  }

  /**
   * The cluster's status: members, and the apps of each member that is up as it answers within
   * {@link #STATUS_ASK_TIMEOUT}, the others' from the last known state (stale).
   */
  public CompletionStage<StatusView> status() {
    List<StatusView.Member> members = view.members();
    List<CompletableFuture<ServerStatus>> asks = new ArrayList<>();
    for (StatusView.Member m : members) {
      if (MemberStatusPolicy.askNow(m.status())) {
        asks.add(
            view.<ServerStatus>askAgent(m.server(), NodeAgent.GetStatus::new, STATUS_ASK_TIMEOUT)
                .exceptionally(e -> null)
                .toCompletableFuture()
                // One bound for the Receptionist and the agent together.
                .completeOnTimeout(null, STATUS_ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
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
              answered.values().forEach(this::answered);
              return StatusMerge.merge(members, answered, Map.copyOf(lastKnown));
            });
  }
}
