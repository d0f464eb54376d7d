package dev.tako.node.logs;

import dev.tako.node.NodeSettings;
import dev.tako.persistence.ArtifactStore;
import dev.tako.protocol.api.LogLine;
import dev.tako.supervisor.LogFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * This node's log lines of an app/env, read from its log files ({@link LogReader}) and labelled
 * with the server and region. Blocking file I/O: callers run it on the blocking dispatcher.
 */
public final class LocalLogs {
  private LocalLogs() {}

  /** The newest {@code limit} lines at or after {@code sinceEpochMillis}, in time order. */
  public static LogLines read(
      ArtifactStore store,
      NodeSettings settings,
      String app,
      String env,
      long sinceEpochMillis,
      int limit)
      throws IOException {
    List<LogLine> lines = new ArrayList<>();
    for (LogReader.Entry e :
        LogReader.read(store.logsDir(app, env), app, sinceEpochMillis, limit)) {
      lines.add(
          new LogLine(
              LogFormat.time(e.epochMillis()),
              settings.server(),
              settings.region(),
              app,
              env,
              e.instance(),
              e.stream(),
              e.text()));
    }
    return new LogLines(settings.server(), settings.region(), lines);
  }

  /** {@link #read} on {@code blocking}; no lines when it fails. */
  public static CompletionStage<LogLines> readAsync(
      ArtifactStore store,
      NodeSettings settings,
      String app,
      String env,
      long sinceEpochMillis,
      int limit,
      Executor blocking) {
    return CompletableFuture.supplyAsync(
            () -> {
              try {
                return read(store, settings, app, env, sinceEpochMillis, limit);
              } catch (IOException e) {
                throw new CompletionException(e);
              }
            },
            blocking)
        .exceptionally(failure -> new LogLines(settings.server(), settings.region(), List.of()));
  }
}
