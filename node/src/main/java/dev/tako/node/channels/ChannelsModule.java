package dev.tako.node.channels;

import dev.tako.node.NodeSettings;
import dev.tako.node.cluster.ClusterView;
import dev.tako.persistence.NodeLedger;
import dev.tako.proxy.channels.ChannelHub;
import dev.tako.proxy.channels.ChannelRetention;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.http.javadsl.Http;

/**
 * Starts a node's channels: the {@link ChannelsNode} actor, the hub the proxy uses, and the apps'
 * loopback publish endpoint with its tokens. The one call the node's startup makes.
 */
public final class ChannelsModule {
  private ChannelsModule() {}

  /**
   * The retention of messages the app publishes through its endpoint. The single place to plug in
   * tako.toml's {@code [channels] retention / retention_messages} once the routes carry them.
   */
  static final PublishEndpoint.Retentions PUBLISH_RETENTION =
      (app, env) -> ChannelRetention.DEFAULT;

  /**
   * Starts the channels of this node; returns the hub for its proxy. The publish endpoint binds in
   * the background; a port it cannot bind is logged (apps then cannot publish, visitors still can).
   */
  public static ChannelHub start(
      ActorContext<?> ctx,
      NodeSettings node,
      ActorRef<NodeLedger.Command> ledger,
      ClusterView view) {
    return start(ctx, node, ledger, view, PUBLISH_RETENTION);
  }

  /** As above, with the retention of each app's {@code [channels]} for the apps' publishes. */
  public static ChannelHub start(
      ActorContext<?> ctx,
      NodeSettings node,
      ActorRef<NodeLedger.Command> ledger,
      ClusterView view,
      PublishEndpoint.Retentions retentions) {
    ActorSystem<?> system = ctx.getSystem();
    ChannelsSettings settings = ChannelsSettings.fromConfig(system.settings().config());
    Set<String> open = ConcurrentHashMap.newKeySet();
    var channels =
        ctx.spawn(
            ChannelsNode.create(
                node.server(),
                PublishTokens.dir(node.home()).resolve("history"),
                settings,
                new LedgerEnvironments(system, ledger, Duration.ofSeconds(2), node.askTimeout()),
                () -> new HashSet<>(view.upServers()),
                open),
            "channels");
    ChannelHub hub = new ClusterChannelHub(channels, settings, open);
    PublishTokens tokens;
    try {
      tokens = PublishTokens.start(node.home(), publishPort(node, settings));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the channels' publish endpoint", e);
    }
    var endpoint = new PublishEndpoint(system, hub, tokens, retentions);
    Http.get(system)
        .newServerAt("127.0.0.1", tokens.port())
        .bind(endpoint::handle)
        .whenComplete(
            (binding, failure) -> {
              if (failure != null) {
                system
                    .log()
                    .error(
                        "cannot bind the channels publish endpoint on 127.0.0.1:{}: {} (choose"
                            + " another port in node.conf: tako.channels.publish-port)",
                        tokens.port(),
                        failure.getMessage());
              } else {
                system.log().info("channels publish endpoint on {}", binding.localAddress());
              }
            });
    return hub;
  }

  /** The configured port, else the one of an earlier start, else a free one now. */
  private static int publishPort(NodeSettings node, ChannelsSettings settings) throws IOException {
    if (settings.publishPort() > 0) {
      return settings.publishPort();
    }
    int remembered = PublishTokens.rememberedPort(node.home());
    if (remembered > 0) {
      return remembered;
    }
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
