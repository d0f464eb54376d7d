package dev.tako.node.peer;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * {@code tako.peer} in node.conf: where the node-to-node listener binds, the port other nodes dial
 * (a relay or NAT may sit in front, as the playground's does), and the local address its client
 * dials from (empty: any).
 */
public record PeerSettings(
    String bindHost,
    int port,
    int advertisedPort,
    String outboundHost,
    Duration connectTimeout,
    Duration readTimeout) {

  public static PeerSettings fromConfig(Config config) {
    Config c = config.getConfig("tako.peer");
    int port = c.getInt("port");
    if (port == 0) {
      port = config.getInt("tako.cluster.port") + 1;
    }
    int advertised = c.getInt("advertised-port");
    return new PeerSettings(
        c.getString("bind-host"),
        port,
        advertised > 0 ? advertised : port,
        c.getString("outbound-host"),
        c.getDuration("connect-timeout"),
        c.getDuration("read-timeout"));
  }
}
