package dev.tako.node;

import com.typesafe.config.Config;
import dev.tako.protocol.config.NodeConf;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * This node's identity and ports, read from the {@code tako} section of its {@code node.conf} (keys
 * as {@link NodeConf} defines them), and its limits and timeouts.
 *
 * @param publicHost the host visitors use to reach this server's proxy (for status URLs)
 * @param sshPort the playground's embedded SSH/SFTP port, 0 on a real server (OpenSSH serves)
 * @param maxInstances per-app cap on instances on this server
 */
public record NodeSettings(
    String server,
    String region,
    Path home,
    String publicHost,
    String proxyInterface,
    int apiPort,
    int httpPort,
    int httpsPort,
    int metricsPort,
    int sshPort,
    String clusterHost,
    int clusterPort,
    List<String> seeds,
    int maxInstances,
    Duration askTimeout,
    Duration deployTimeout,
    Duration leaseTtl,
    Duration releaseCommandTimeout,
    long logsMaxBytes,
    Duration logsMaxAge) {

  public NodeSettings {
    seeds = List.copyOf(seeds);
    if (logsMaxBytes <= 0 || logsMaxAge.isNegative() || logsMaxAge.isZero()) {
      throw new IllegalArgumentException(
          "tako.logs.max-bytes and tako.logs.max-age must be positive, got "
              + logsMaxBytes
              + " and "
              + logsMaxAge);
    }
  }

  public static NodeSettings fromConfig(Config config, Path home) {
    Config t = config.getConfig(NodeConf.SECTION);
    NodeConf conf = NodeConf.read(source(t));
    int maxInstances = t.getInt("max-instances");
    if (maxInstances <= 0) {
      maxInstances = 2 * Runtime.getRuntime().availableProcessors();
    }
    return new NodeSettings(
        conf.server(),
        conf.region(),
        home,
        conf.publicHost(),
        conf.proxyInterface(),
        conf.apiPort(),
        conf.httpPort(),
        conf.httpsPort(),
        conf.metricsPort(),
        conf.sshPort(),
        conf.clusterHost(),
        conf.clusterPort(),
        conf.seeds(),
        maxInstances,
        t.getDuration("ask-timeout"),
        t.getDuration("deploy-timeout"),
        t.getDuration("lease-ttl"),
        t.getDuration("release-command-timeout"),
        t.getBytes("logs.max-bytes"),
        t.getDuration("logs.max-age"));
  }

  /** The {@code tako} section as node.conf's reader sees it. */
  static NodeConf.Source source(Config t) {
    return new NodeConf.Source() {
      @Override
      public boolean has(String key) {
        return t.hasPath(key);
      }

      @Override
      public String string(String key) {
        return t.getString(key);
      }

      @Override
      public int integer(String key) {
        return t.getInt(key);
      }

      @Override
      public List<String> strings(String key) {
        return t.getStringList(key);
      }
    };
  }

  /** The base URL of this server's plain HTTP proxy. */
  public String url() {
    return "http://" + publicHost + ":" + httpPort;
  }

  /**
   * The base URL of this server's proxy for an environment, as shown by {@code tako status}: HTTPS
   * when its {@code tls} is on (SPEC §5).
   */
  public String url(String tls) {
    return tls == null || "off".equals(tls) ? url() : "https://" + publicHost + ":" + httpsPort;
  }

  public String clusterAddress() {
    return clusterHost + ":" + clusterPort;
  }
}
