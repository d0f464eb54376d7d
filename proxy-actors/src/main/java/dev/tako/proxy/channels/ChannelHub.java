package dev.tako.proxy.channels;

import java.util.concurrent.CompletionStage;

/**
 * The cluster side of channels, as the proxy sees it. Implementations must never block the caller
 * (proxy event loops call it).
 */
public interface ChannelHub {
  /**
   * Subscribes to app/env/channel. since == null: from now on; else every retained message after
   * that id (sink.onReset() first when the id is older than the retention or unknown). Delivery to
   * the sink is in the channel's one order, each message once.
   */
  ChannelSubscription subscribe(
      ChannelKey key, ChannelRetention retention, String since, ChannelSink sink);

  /**
   * Publishes one message (already checked: ≤ 64 KiB, name valid, caller allowed). Completes with
   * the message id, or exceptionally with ChannelUnavailableException (answer 503 with
   * Retry-After).
   */
  CompletionStage<String> publish(ChannelKey key, ChannelRetention retention, byte[] message);
}
