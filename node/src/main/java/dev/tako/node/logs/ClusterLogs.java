package dev.tako.node.logs;

import dev.tako.node.NodeAgent;
import dev.tako.node.cluster.ClusterView;
import dev.tako.protocol.api.LogLine;
import dev.tako.protocol.api.LogsView;
import dev.tako.protocol.api.StatusView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Cluster-wide logs, gathered at the HTTP edge like {@link
 * dev.tako.node.status.ClusterStatus#status()}: every reachable member's NodeAgent (or only the
 * named server's) is asked for its lines with the ask timeout, and the answers are merged in time
 * order, keeping the newest {@code limit}. A member that is unreachable or does not answer in time
 * is listed in {@code unreachable}; it is never waited on.
 */
public final class ClusterLogs {
  private static final Set<String> ASKABLE = Set.of("up", "leaving", "joining");

  private final ClusterView view;

  public ClusterLogs(ClusterView view) {
    this.view = view;
  }

  /**
   * @param server only this server's lines, or null for all
   */
  public CompletionStage<LogsView> read(
      String app, String env, long sinceEpochMillis, int limit, String server) {
    int max = Math.max(1, Math.min(limit, LogReader.MAX_LIMIT));
    List<String> unreachable = new ArrayList<>();
    List<String> asked = new ArrayList<>();
    List<CompletableFuture<LogLines>> asks = new ArrayList<>();
    for (StatusView.Member m : view.members()) {
      if (server != null && !server.equals(m.server())) {
        continue;
      }
      if (!ASKABLE.contains(m.status())) {
        unreachable.add(m.server());
        continue;
      }
      asked.add(m.server());
      asks.add(
          view.<LogLines>askAgent(
                  m.server(), r -> new NodeAgent.ReadLogs(app, env, sinceEpochMillis, max, r))
              .exceptionally(failure -> null)
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              List<LogLine> lines = new ArrayList<>();
              List<String> answered = new ArrayList<>();
              for (int i = 0; i < asks.size(); i++) {
                LogLines r = asks.get(i).join();
                if (r == null) {
                  unreachable.add(asked.get(i));
                } else {
                  answered.add(r.server());
                  lines.addAll(r.lines());
                }
              }
              // ISO-8601 UTC with fixed-width milliseconds sorts as text; stable per server.
              lines.sort(Comparator.comparing(LogLine::time));
              List<LogLine> newest = lines.subList(Math.max(0, lines.size() - max), lines.size());
              return new LogsView(newest, answered.stream().sorted().toList(), unreachable);
            });
  }
}
