package dev.tako.node.logs;

import dev.tako.node.AppEnv;
import dev.tako.node.NodeSettings;
import dev.tako.persistence.ArtifactStore;
import java.io.IOException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the logs of past instances beyond {@link LogRetention}'s bounds (node.conf's {@code
 * tako.logs.max-bytes} and {@code tako.logs.max-age}); the running instances' logs stay. Blocking
 * file I/O, run after a switch on the blocking dispatcher; a failure is logged and skipped.
 */
public final class LogPruning {
  private static final Logger LOG = LoggerFactory.getLogger(LogPruning.class);

  private LogPruning() {}

  public static void prune(ArtifactStore store, NodeSettings settings, Collection<AppEnv> apps) {
    Set<String> running;
    try {
      // Read once per switch: which instances run now, across every app.
      running = LogRetention.running(settings.home().resolve("run"));
    } catch (IOException e) {
      LOG.warn("cannot list the running instances: {}", e.toString());
      return;
    }
    for (AppEnv a : apps) {
      try {
        List<String> gone =
            LogRetention.prune(
                store.logsDir(a.app(), a.env()),
                a.app(),
                running,
                Instant.now(),
                settings.logsMaxBytes(),
                settings.logsMaxAge());
        if (!gone.isEmpty()) {
          LOG.info("deleted the logs of {} past instance(s) of {}", gone.size(), a);
        }
      } catch (IOException e) {
        LOG.warn("pruning the logs of {} failed: {}", a, e.toString());
      }
    }
  }
}
