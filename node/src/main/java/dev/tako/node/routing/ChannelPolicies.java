package dev.tako.node.routing;

import dev.tako.protocol.Durations;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.config.ChannelsConfig;
import dev.tako.proxy.channels.ChannelPolicy;
import dev.tako.proxy.channels.ChannelRetention;

/**
 * A release's {@code [channels]} (validated by the CLI) as the proxy applies it. A value the CLI
 * would have refused (a journal written by hand) falls back to the default retention.
 */
final class ChannelPolicies {
  private ChannelPolicies() {}

  /** The policy of a release, or null when it has no {@code [channels]} (or is unknown). */
  static ChannelPolicy of(DeployRequest req) {
    ChannelsConfig c = req == null ? null : req.channels();
    if (c == null) {
      return null;
    }
    ChannelRetention retention;
    try {
      retention = new ChannelRetention(Durations.parse(c.retention()), c.retentionMessages());
    } catch (IllegalArgumentException e) {
      retention = ChannelRetention.DEFAULT;
    }
    return new ChannelPolicy(c.publicPatterns(), c.authorize(), retention);
  }
}
