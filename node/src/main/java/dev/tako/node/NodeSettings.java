package dev.tako.node;

import com.typesafe.config.Config;
import dev.tako.protocol.config.NodeConf;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * This node's settings: what its {@code node.conf} says ({@link NodeConf}: identity, ports, cluster
 * address), read from the {@code tako} section, and its limits and timeouts.
 *
 * @param conf node.conf's part; its values are also this record's accessors of the same names
 * @param maxInstances per-app cap on instances on this server
 * @param installTimeout the limit of a release's dependency install (tako.deploy.install-timeout)
 */
public record NodeSettings(
    NodeConf conf,
    Path home,
    int maxInstances,
    Duration askTimeout,
    Duration deployTimeout,
    Duration leaseTtl,
    Duration releaseCommandTimeout,
    Duration installTimeout,
    long logsMaxBytes,
    Duration logsMaxAge) {

  public NodeSettings {
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
    int maxInstances = t.getInt("max-instances");
    if (maxInstances <= 0) {
      maxInstances = 2 * Runtime.getRuntime().availableProcessors();
    }
    return new NodeSettings(
        NodeConf.read(source(t)),
        home,
        maxInstances,
        t.getDuration("ask-timeout"),
        t.getDuration("deploy-timeout"),
        t.getDuration("lease-ttl"),
        t.getDuration("release-command-timeout"),
        t.getDuration("deploy.install-timeout"),
        t.getBytes("logs.max-bytes"),
        t.getDuration("logs.max-age"));
  }

  public String server() {
    return conf.server();
  }

  public String region() {
    return conf.region();
  }

  /** The host visitors use to reach this server's proxy (for status URLs). */
  public String publicHost() {
    return conf.publicHost();
  }

  public String proxyInterface() {
    return conf.proxyInterface();
  }

  public int apiPort() {
    return conf.apiPort();
  }

  public int httpPort() {
    return conf.httpPort();
  }

  public int httpsPort() {
    return conf.httpsPort();
  }

  public int metricsPort() {
    return conf.metricsPort();
  }

  /** The playground's embedded SSH/SFTP port, 0 on a real server (OpenSSH serves). */
  public int sshPort() {
    return conf.sshPort();
  }

  public String clusterHost() {
    return conf.clusterHost();
  }

  public int clusterPort() {
    return conf.clusterPort();
  }

  public List<String> seeds() {
    return conf.seeds();
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
    return "http://" + publicHost() + ":" + httpPort();
  }

  /**
   * The base URL of this server's proxy for an environment, as shown by {@code tako status}: HTTPS
   * when its {@code tls} is on (SPEC §5).
   */
  public String url(String tls) {
    return tls == null || "off".equals(tls) ? url() : "https://" + publicHost() + ":" + httpsPort();
  }

  public String clusterAddress() {
    return clusterHost() + ":" + clusterPort();
  }
}
