package dev.tako.node.channels;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The node's channel settings ({@code tako.channels} in node.conf).
 *
 * @param publishPort the apps' loopback publish endpoint (0: one picked at first start and kept)
 * @param maxChannels channels this node serves at most; a subscribe or publish that would open one
 *     more is refused (503)
 * @param heartbeat how often an owner reminds lagging replicas and a recovering one retries
 * @param publishTimeout a publish not stored by a majority within this answers 503
 * @param retryAfter the Retry-After of a 503 on the side of a partition that cannot publish
 * @param fsync whether each change is forced to disk (else it reaches the OS, which survives a
 *     killed node but not a power loss)
 */
public record ChannelsSettings(
    int publishPort,
    int maxChannels,
    Duration heartbeat,
    Duration publishTimeout,
    Duration retryAfter,
    boolean fsync) {

  public static ChannelsSettings fromConfig(Config config) {
    Config c = config.getConfig("tako.channels");
    return new ChannelsSettings(
        c.getInt("publish-port"),
        c.getInt("max-channels"),
        c.getDuration("heartbeat"),
        c.getDuration("publish-timeout"),
        c.getDuration("retry-after"),
        c.getBoolean("fsync"));
  }

  /** Retry-After in whole seconds (at least 1). */
  public int retryAfterSeconds() {
    return (int) Math.max(1, retryAfter.toSeconds());
  }
}
