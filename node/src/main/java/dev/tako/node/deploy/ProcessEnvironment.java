package dev.tako.node.deploy;

import dev.tako.node.NodeSettings;
import dev.tako.node.secrets.NodeKey;
import dev.tako.persistence.ArtifactStore;
import dev.tako.persistence.NodeLedger;
import dev.tako.protocol.Durations;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.crypto.SecretException;
import dev.tako.supervisor.ReleaseSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The process contract of SPEC §4 for a release on this server: its directory, start command,
 * health path, logs and the environment (tako.toml's vars, the TAKO_* variables and the app/env's
 * secrets opened with this node's key). Secrets that cannot be opened, or an idle timeout that is
 * not a duration, are logged and left out (the app starts without them), never thrown.
 */
public final class ProcessEnvironment {
  private final NodeSettings settings;
  private final ArtifactStore store;
  private final NodeKey nodeKey;
  private final Logger log;

  public ProcessEnvironment(
      NodeSettings settings, ArtifactStore store, NodeKey nodeKey, Logger log) {
    this.settings = settings;
    this.store = store;
    this.nodeKey = nodeKey;
    this.log = log;
  }

  /**
   * @param ledger the node's ledger now, for the app/env's sealed secrets (null: none)
   */
  public ReleaseSpec spec(DeployRequest req, NodeLedger.State ledger) {
    Map<String, String> env = new LinkedHashMap<>(req.vars());
    env.put("TAKO_APP", req.app());
    env.put("TAKO_ENV", req.env());
    env.put("TAKO_RELEASE", req.release());
    env.put("TAKO_SERVER", settings.server());
    env.put("TAKO_REGION", settings.region());
    env.put("TAKO_DATA_DIR", store.dataDir(req.app(), req.env()).toString());
    env.putAll(
        dev.tako.node.channels.PublishTokens.variables(settings.home(), req.app(), req.env()));
    if (ledger != null) {
      var sealed = ledger.secretsOf(req.app(), req.env()).sealed();
      if (!sealed.isEmpty()) {
        try {
          env.putAll(nodeKey.open(req.app(), req.env(), sealed));
        } catch (SecretException e) {
          log.error(
              "the secrets of {}/{} cannot be opened with this node's key ({}); starting"
                  + " without them: run tako secrets sync",
              req.app(),
              req.env(),
              e.getMessage());
        }
      }
    }
    return new ReleaseSpec(
        req.app(),
        req.env(),
        req.release(),
        store.releaseDir(req.app(), req.env(), req.release()),
        req.start(),
        Map.copyOf(env),
        req.health(),
        store.logsDir(req.app(), req.env()),
        settings.home().resolve("run"),
        idleTimeout(req));
  }

  private Duration idleTimeout(DeployRequest req) {
    if (req.idleTimeout() == null || req.idleTimeout().isBlank()) {
      return ReleaseSpec.DEFAULT_IDLE_TIMEOUT;
    }
    try {
      return Durations.parse(req.idleTimeout());
    } catch (IllegalArgumentException e) {
      log.warn(
          "idle_timeout \"{}\" of {} is not a duration; using 5m", req.idleTimeout(), req.app());
      return ReleaseSpec.DEFAULT_IDLE_TIMEOUT;
    }
  }
}
