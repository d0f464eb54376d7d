package dev.tako.node.channels;

import dev.tako.node.channels.ChannelsNode.Keep;
import dev.tako.proxy.channels.ChannelHub;
import dev.tako.proxy.channels.ChannelKey;
import dev.tako.proxy.channels.ChannelRetention;
import dev.tako.proxy.channels.ChannelSink;
import dev.tako.proxy.channels.ChannelSubscription;
import dev.tako.proxy.channels.ChannelUnavailableException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The proxy's door to the cluster's channels: every call is one message to this node's {@link
 * ChannelsNode}, so nothing blocks the caller. A publish that has no answer within the publish
 * timeout (plus a second for the forward) fails with {@link ChannelUnavailableException}.
 */
public final class ClusterChannelHub implements ChannelHub {
  private final ActorRef<ChannelsNode.Command> node;
  private final ChannelsSettings settings;
  private final Set<String> open;
  private final AtomicLong subscriptions = new AtomicLong();

  public ClusterChannelHub(ActorRef<ChannelsNode.Command> node, ChannelsSettings settings) {
    this(node, settings, Set.of());
  }

  /**
   * @param open the channels {@code node} holds (see {@link ChannelsNode#create})
   */
  public ClusterChannelHub(
      ActorRef<ChannelsNode.Command> node, ChannelsSettings settings, Set<String> open) {
    this.node = node;
    this.settings = settings;
    this.open = open;
  }

  @Override
  public ChannelSubscription subscribe(
      ChannelKey key, ChannelRetention retention, String since, ChannelSink sink) {
    String k = ChannelKeys.of(key);
    if (!open.contains(k) && open.size() >= settings.maxChannels()) {
      throw new ChannelUnavailableException(
          "this server serves its maximum of "
              + settings.maxChannels()
              + " channels (tako.channels.max-channels in node.conf)",
          settings.retryAfterSeconds());
    }
    long id = subscriptions.incrementAndGet();
    node.tell(new ChannelsNode.Subscribe(k, Keep.of(retention), since, sink, id));
    return () -> node.tell(new ChannelsNode.Unsubscribe(k, id));
  }

  @Override
  public CompletionStage<String> publish(
      ChannelKey key, ChannelRetention retention, byte[] message) {
    CompletableFuture<String> answer = new CompletableFuture<>();
    node.tell(
        new ChannelsNode.LocalPublish(ChannelKeys.of(key), Keep.of(retention), message, answer));
    return answer
        .orTimeout(settings.publishTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS)
        .exceptionallyCompose(
            e -> {
              Throwable cause =
                  e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
              if (cause instanceof TimeoutException) {
                return CompletableFuture.failedFuture(
                    new ChannelUnavailableException(
                        "no majority of the environment's servers stored the message in time;"
                            + " publish again",
                        1));
              }
              return CompletableFuture.failedFuture(cause);
            });
  }
}
