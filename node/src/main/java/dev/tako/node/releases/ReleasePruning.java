package dev.tako.node.releases;

import dev.tako.node.AppEnv;
import dev.tako.node.NodeSettings;
import dev.tako.node.deps.DependencyInstall;
import dev.tako.node.deps.DependencyPruning;
import dev.tako.node.logs.LogPruning;
import dev.tako.persistence.ArtifactStore;
import dev.tako.persistence.NodeLedger;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a switch: release directories and artifacts the ledger no longer keeps (it keeps the last
 * 10 releases per app) are deleted, off the actor thread. Artifacts younger than an hour stay: one
 * may belong to a deploy on its way here. Logs of past instances beyond the retention bounds go too
 * ({@link LogPruning}), and dependency installs no kept release uses ({@link DependencyPruning}).
 * Failures are logged; nothing waits for the result.
 */
public final class ReleasePruning {
  private static final Logger LOG = LoggerFactory.getLogger(ReleasePruning.class);

  private ReleasePruning() {}

  /** Install directories no kept release links to (a failure is logged, the others go on). */
  private static void pruneDependencies(ArtifactStore store, AppEnv a) {
    Path deps = DependencyInstall.root(store, a.app(), a.env());
    try {
      var gone =
          DependencyPruning.prune(
              store.releaseDir(a.app(), a.env(), "x").getParent(), deps, Duration.ofHours(1));
      if (!gone.isEmpty()) {
        LOG.info("{}/{}: pruned unused dependency installs {}", a.app(), a.env(), gone);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("pruning the dependency installs in {} failed: {}", deps, e.getMessage());
    }
  }

  public static void pruneAsync(
      NodeLedger.State state, ArtifactStore store, NodeSettings settings, Executor blocking) {
    Map<AppEnv, Set<String>> keepReleases = new HashMap<>();
    Set<String> keepShas = new HashSet<>();
    state
        .apps()
        .values()
        .forEach(
            a -> {
              Set<String> ids = new HashSet<>();
              a.releases()
                  .forEach(
                      r -> {
                        ids.add(r.id());
                        keepShas.add(r.request().artifactSha256());
                      });
              keepReleases.put(new AppEnv(a.app(), a.env()), ids);
            });
    CompletableFuture.runAsync(
            () -> {
              keepReleases.forEach(
                  (a, ids) -> {
                    store.pruneReleases(a.app(), a.env(), ids);
                    pruneDependencies(store, a);
                  });
              store.pruneArtifacts(keepShas, Duration.ofHours(1));
              LogPruning.prune(store, settings, keepReleases.keySet());
            },
            blocking)
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                LOG.warn("pruning old releases failed: {}", e.getMessage());
              }
            });
  }
}
