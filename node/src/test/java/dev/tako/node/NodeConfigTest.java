package dev.tako.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
  @TempDir Path home;

  private Config load(String nodeConf) throws IOException {
    Files.writeString(home.resolve("node.conf"), nodeConf);
    return NodeConfig.load(home);
  }

  @Test
  void derivesTheClusterSettingsFromNodeConf() throws IOException {
    Config config =
        load(
            """
            tako {
              server = "la"
              region = "us-west"
              api-port = 19844
              cluster {
                host = "127.0.0.2"
                port = 25521
                seeds = ["10.0.0.1:25520", "10.0.0.2:25522"]
              }
            }
            """);
    assertEquals("cluster", config.getString("pekko.actor.provider"));
    assertEquals("tls-tcp", config.getString("pekko.remote.artery.transport"));
    assertEquals("127.0.0.2", config.getString("pekko.remote.artery.canonical.hostname"));
    assertEquals(25521, config.getInt("pekko.remote.artery.canonical.port"));
    assertEquals("us-west", config.getString("pekko.cluster.multi-data-center.self-data-center"));
    assertEquals(List.of("server-la"), config.getStringList("pekko.cluster.roles"));
    assertEquals(
        List.of("pekko://tako@10.0.0.1:25520", "pekko://tako@10.0.0.2:25522"),
        config.getStringList("pekko.cluster.seed-nodes"));
    String tls = "pekko.remote.artery.ssl.rotating-keys-engine.";
    assertEquals(home.resolve("tls/node.key").toString(), config.getString(tls + "key-file"));
    assertEquals(home.resolve("tls/node.crt").toString(), config.getString(tls + "cert-file"));
    assertEquals(home.resolve("tls/ca.crt").toString(), config.getString(tls + "ca-cert-file"));
    assertEquals(
        "pekko.persistence.journal.leveldb", config.getString("pekko.persistence.journal.plugin"));
    assertEquals(
        home.resolve("journal").toAbsolutePath().toString(),
        config.getString("pekko.persistence.journal.leveldb.dir"));
    assertEquals(
        home.resolve("snapshots").toAbsolutePath().toString(),
        config.getString("pekko.persistence.snapshot-store.local.dir"));
    assertEquals(
        "jackson-cbor",
        config.getString(
            "pekko.actor.serialization-bindings.\"dev.tako.protocol.CborSerializable\""));
    // Adjacent versions interoperate: each member says its version, unknown fields are ignored.
    assertEquals(dev.tako.protocol.Version.VALUE, config.getString("pekko.cluster.app-version"));
    assertFalse(
        config.getBoolean(
            "pekko.serialization.jackson.deserialization-features.FAIL_ON_UNKNOWN_PROPERTIES"));

    NodeSettings settings = NodeSettings.fromConfig(config, home);
    assertEquals("la", settings.server());
    assertEquals("us-west", settings.region());
    assertEquals(19844, settings.apiPort());
    assertEquals("127.0.0.2:25521", settings.clusterAddress());
    assertEquals(List.of("10.0.0.1:25520", "10.0.0.2:25522"), settings.seeds());
    assertEquals(Duration.ofSeconds(5), settings.askTimeout());
    assertEquals(2 * Runtime.getRuntime().availableProcessors(), settings.maxInstances());
  }

  @Test
  void theRegionDefaultsToTheServerName() throws IOException {
    Config config = load("tako.server = sgp\n");
    assertEquals("sgp", config.getString("pekko.cluster.multi-data-center.self-data-center"));
    assertEquals(List.of(), config.getStringList("pekko.cluster.seed-nodes"));
    assertEquals(25520, config.getInt("pekko.remote.artery.canonical.port"));
    assertEquals("sgp", NodeSettings.fromConfig(config, home).region());
  }

  @Test
  void nodeConfOverridesDerivedAndDefaultSettings() throws IOException {
    Config config =
        load(
            """
            tako.server = fra
            pekko.cluster.roles = ["server-fra", "edge"]
            pekko.persistence.journal.leveldb.native = off
            """);
    assertEquals(
        Set.of("server-fra", "edge"), Set.copyOf(config.getStringList("pekko.cluster.roles")));
    assertEquals("off", config.getString("pekko.persistence.journal.leveldb.native"));
    assertEquals(
        "fra", NodeConfig.serverOf(Set.copyOf(config.getStringList("pekko.cluster.roles"))));
  }

  @Test
  void aMissingNodeConfIsAClearError() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(home));
    assertTrue(e.getMessage().contains("no node.conf in " + home), e.getMessage());
    assertTrue(e.getMessage().contains("tako servers add"), e.getMessage());
  }

  @Test
  void aNodeConfWithoutServerNamesTheFileAndKey() throws IOException {
    Files.writeString(home.resolve("node.conf"), "tako.region = la\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(home));
    assertTrue(e.getMessage().contains(home.resolve("node.conf").toString()), e.getMessage());
    assertTrue(e.getMessage().contains("tako.server"), e.getMessage());
  }

  @Test
  void anUnparsableNodeConfNamesTheFile() throws IOException {
    Files.writeString(home.resolve("node.conf"), "tako { server = \n");
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.load(home));
    assertTrue(e.getMessage().contains(home.resolve("node.conf").toString()), e.getMessage());
  }

  @Test
  void serverRolesRoundTrip() {
    assertEquals("server-la", NodeConfig.serverRole("la"));
    assertEquals("la", NodeConfig.serverOf(Set.of("dc-default", "server-la")));
    assertEquals(null, NodeConfig.serverOf(Set.of("dc-default")));
  }
}
