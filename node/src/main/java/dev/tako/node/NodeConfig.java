package dev.tako.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.tako.persistence.LedgerJournal;
import dev.tako.protocol.config.NodeConf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Builds the whole Pekko configuration of a node from its home: {@code node.conf} first, then what
 * follows from it (cluster address, data center, seeds, Artery TLS files, journal directories),
 * then the defaults. Fails with a message naming the file when node.conf is missing or invalid.
 */
public final class NodeConfig {
  public static final String SYSTEM_NAME = "tako";

  private NodeConfig() {}

  public static Config load(Path home) {
    Path file = home.resolve("node.conf");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "no node.conf in " + home + "; a node's home is prepared by `tako servers add`");
    }
    Config own = ConfigFactory.parseFile(file.toFile());
    if (!own.hasPath(NodeConf.SECTION + "." + NodeConf.SERVER)) {
      throw new IllegalArgumentException(
          file + ": tako.server is missing; it names this server (`tako servers add` writes it)");
    }
    Config base = own.withFallback(ConfigFactory.defaultReference()).resolve();
    NodeConf conf = NodeConf.read(NodeSettings.source(base.getConfig(NodeConf.SECTION)));
    String server = conf.server();
    String region = conf.region();
    String host = conf.clusterHost();
    int port = conf.clusterPort();
    List<String> seeds =
        conf.seeds().stream()
            .map(s -> "pekko://" + SYSTEM_NAME + "@" + s)
            .collect(Collectors.toList());
    Path tls = home.resolve("tls");
    Config derived =
        ConfigFactory.empty()
            .withValue(
                "pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(host))
            .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
            .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds))
            .withValue(
                "pekko.cluster.multi-data-center.self-data-center",
                ConfigValueFactory.fromAnyRef(region))
            .withValue(
                "pekko.cluster.roles", ConfigValueFactory.fromIterable(List.of(serverRole(server))))
            // Each member's own version, for tako status.
            .withValue(
                "pekko.cluster.app-version",
                ConfigValueFactory.fromAnyRef(dev.tako.protocol.Version.VALUE))
            .withValue(
                "pekko.remote.artery.ssl.rotating-keys-engine.key-file",
                ConfigValueFactory.fromAnyRef(tls.resolve("node.key").toString()))
            .withValue(
                "pekko.remote.artery.ssl.rotating-keys-engine.cert-file",
                ConfigValueFactory.fromAnyRef(tls.resolve("node.crt").toString()))
            .withValue(
                "pekko.remote.artery.ssl.rotating-keys-engine.ca-cert-file",
                ConfigValueFactory.fromAnyRef(tls.resolve("ca.crt").toString()));
    Config journal = LedgerJournal.config(home.resolve("journal"), home.resolve("snapshots"));
    return own.withFallback(derived)
        .withFallback(journal)
        .withFallback(ConfigFactory.parseResources(NodeConfig.class, "/tako-node.conf"))
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  /** The cluster role that names a member's server. */
  public static String serverRole(String server) {
    return "server-" + server;
  }

  /** The server a member runs, from its roles; null when it has none (not a Tako node). */
  public static String serverOf(java.util.Set<String> roles) {
    for (String role : roles) {
      if (role.startsWith("server-")) {
        return role.substring("server-".length());
      }
    }
    return null;
  }
}
