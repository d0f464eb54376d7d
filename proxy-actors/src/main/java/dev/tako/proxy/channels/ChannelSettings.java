package dev.tako.proxy.channels;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The node's limits and timers for channel streams, from {@code tako.channels.*} in node.conf
 * (defaults in this module's reference.conf). A non-positive value throws {@link
 * IllegalArgumentException} naming the key.
 *
 * @param maxSubscribers open subscriber streams on this node; more get 503
 * @param keepAlive how often an SSE stream gets a comment line
 * @param authorizeTimeout how long the app's authorize path may take; then 503
 * @param subscriberBuffer bytes queued for one subscriber before it is dropped
 */
public record ChannelSettings(
    int maxSubscribers, Duration keepAlive, Duration authorizeTimeout, long subscriberBuffer) {
  public static final ChannelSettings DEFAULTS =
      new ChannelSettings(10_000, Duration.ofSeconds(15), Duration.ofSeconds(5), 1024 * 1024);

  public ChannelSettings {
    if (maxSubscribers <= 0) {
      throw new IllegalArgumentException("tako.channels.max-subscribers must be positive");
    }
    if (keepAlive.isNegative() || keepAlive.isZero()) {
      throw new IllegalArgumentException("tako.channels.keep-alive must be positive");
    }
    if (authorizeTimeout.isNegative() || authorizeTimeout.isZero()) {
      throw new IllegalArgumentException("tako.channels.authorize-timeout must be positive");
    }
    if (subscriberBuffer <= 0) {
      throw new IllegalArgumentException("tako.channels.subscriber-buffer must be positive");
    }
  }

  public static ChannelSettings fromConfig(Config config) {
    if (!config.hasPath("tako.channels")) {
      return DEFAULTS;
    }
    Config c = config.getConfig("tako.channels");
    return new ChannelSettings(
        c.getInt("max-subscribers"),
        c.getDuration("keep-alive"),
        c.getDuration("authorize-timeout"),
        c.getBytes("subscriber-buffer"));
  }
}
