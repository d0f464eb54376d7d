package dev.tako.node.failover;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * {@code tako.failover} in node.conf.
 *
 * @param enabled forward requests to peers when no local instance is ready
 * @param pingInterval how often the ready set goes out anyway (a change goes out at once, when the
 *     route table publishes it), with a timestamp whose echo measures the round trip
 * @param peerExpiry a peer not heard from for this long is no longer forwarded to
 * @param tlsRefresh how often the cluster certificate files are looked at again (read when they
 *     changed: rotated certificates)
 */
public record FailoverSettings(
    boolean enabled, Duration pingInterval, Duration peerExpiry, Duration tlsRefresh) {

  public static FailoverSettings fromConfig(Config config) {
    Config c = config.getConfig("tako.failover");
    FailoverSettings s =
        new FailoverSettings(
            c.getBoolean("enabled"),
            c.getDuration("ping-interval"),
            c.getDuration("peer-expiry"),
            c.getDuration("tls-refresh"));
    if (s.pingInterval.isZero() || s.pingInterval.isNegative()) {
      throw new IllegalArgumentException("tako.failover.ping-interval must be positive");
    }
    if (s.peerExpiry.compareTo(s.pingInterval) <= 0) {
      throw new IllegalArgumentException(
          "tako.failover.peer-expiry must be longer than tako.failover.ping-interval");
    }
    return s;
  }
}
