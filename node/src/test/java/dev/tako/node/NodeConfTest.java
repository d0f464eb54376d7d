package dev.tako.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tako.protocol.config.NodeConf;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * node.conf as the CLI writes it ({@link NodeConf#render}) and the node reads it: HOCON, every key
 * under {@code tako}, read back to the same values, with the node's defaults those of NodeConf.
 */
class NodeConfTest {
  private static NodeConf conf(String extra) {
    return new NodeConf(
        "la",
        "us-west",
        "203.0.113.10",
        "0.0.0.0",
        9844,
        80,
        443,
        9100,
        2201,
        "10.0.0.5",
        25520,
        List.of("10.0.0.5:25520", "10.0.0.6:25520"),
        extra);
  }

  @Test
  void rendersHoconWithEveryKey() {
    Config c = ConfigFactory.parseString(conf(null).render()).resolve().getConfig("tako");
    assertEquals("la", c.getString("server"));
    assertEquals("us-west", c.getString("region"));
    assertEquals("203.0.113.10", c.getString("public-host"));
    assertEquals("0.0.0.0", c.getString("proxy-interface"));
    assertEquals(9844, c.getInt("api-port"));
    assertEquals(80, c.getInt("http-port"));
    assertEquals(443, c.getInt("https-port"));
    assertEquals(9100, c.getInt("metrics-port"));
    assertEquals(2201, c.getInt("playground.ssh-port"));
    assertEquals("10.0.0.5", c.getString("cluster.host"));
    assertEquals(25520, c.getInt("cluster.port"));
    assertEquals(List.of("10.0.0.5:25520", "10.0.0.6:25520"), c.getStringList("cluster.seeds"));
  }

  @Test
  void noSeedsIsAnEmptyList() {
    NodeConf base = conf(null);
    NodeConf lone =
        new NodeConf(
            base.server(),
            base.region(),
            base.publicHost(),
            base.proxyInterface(),
            base.apiPort(),
            base.httpPort(),
            base.httpsPort(),
            base.metricsPort(),
            base.sshPort(),
            base.clusterHost(),
            base.clusterPort(),
            List.of(),
            null);
    Config c = ConfigFactory.parseString(lone.render());
    assertEquals(List.of(), c.getStringList("tako.cluster.seeds"));
  }

  @Test
  void extraSettingsComeLastAndOverride() {
    Config c =
        ConfigFactory.parseString(conf("tako.api-port = 19844\npekko.loglevel = DEBUG").render());
    assertEquals(19844, c.getInt("tako.api-port"));
    assertEquals("DEBUG", c.getString("pekko.loglevel"));
    assertEquals("la", c.getString("tako.server"));
  }

  @Test
  void theNodeReadsBackWhatTheCliWrote() {
    Config c =
        ConfigFactory.parseString(conf(null).render())
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    NodeSettings s = NodeSettings.fromConfig(c, Path.of("/srv/tako"));
    NodeConf back = NodeConf.read(NodeSettings.source(c.getConfig(NodeConf.SECTION)));
    assertEquals(conf(null), back);
    assertEquals("us-west", s.region());
    assertEquals(2201, s.sshPort());
    assertEquals(List.of("10.0.0.5:25520", "10.0.0.6:25520"), s.seeds());
  }

  @Test
  void theNodeDefaultsAreThoseTheCliWrites() {
    Config t = ConfigFactory.defaultReference().getConfig(NodeConf.SECTION);
    assertEquals(NodeConf.DEFAULT_PROXY_INTERFACE, t.getString(NodeConf.PROXY_INTERFACE));
    assertEquals(NodeConf.DEFAULT_API_PORT, t.getInt(NodeConf.API_PORT));
    assertEquals(NodeConf.DEFAULT_METRICS_PORT, t.getInt(NodeConf.METRICS_PORT));
    assertEquals(NodeConf.DEFAULT_CLUSTER_PORT, t.getInt(NodeConf.CLUSTER_PORT));
  }
}
