package dev.tako.node.failover;

import dev.tako.node.NodeSettings;
import dev.tako.node.peer.PeerListener;
import dev.tako.node.peer.PeerSettings;
import dev.tako.persistence.ArtifactStore;
import dev.tako.proxy.ProxyListener;
import dev.tako.proxy.ProxySettings;
import dev.tako.proxy.RouteSnapshots;
import dev.tako.proxy.TcpProxy;
import dev.tako.proxy.Upstream;
import dev.tako.proxy.failover.Failover;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Starts the node-to-node listener ({@code tako.peer}): one mutual-TLS port per node, on the
 * proxy's event loops, taking the requests peers forward (SPEC §12) and passing peers' artifact
 * fetches on to the node's artifact routes (bound on loopback behind it, same mutual TLS); then
 * installs forwarding in the proxy and starts the {@link ReadinessExchange}. A port that cannot be
 * bound leaves the node serving its own visitors (the log says which setting to change); without
 * readable TLS files nothing is forwarded and the listener refuses connections.
 */
public final class NodeToNode {
  private NodeToNode() {}

  public static void start(
      ActorContext<?> ctx,
      NodeSettings settings,
      RouteSnapshots snapshots,
      ProxySettings proxySettings,
      Executor blocking) {
    ActorSystem<?> system = ctx.getSystem();
    var config = system.settings().config();
    var log = org.slf4j.LoggerFactory.getLogger(NodeToNode.class);
    PeerSettings peer = PeerSettings.fromConfig(config);
    FailoverSettings failoverSettings = FailoverSettings.fromConfig(config);
    ClusterTls tls = new ClusterTls(settings.home().resolve("tls"));
    // On the node's own address when it has one (the playground gives each node its own loopback
    // address, so this ephemeral port never takes a port chosen for another node on 127.0.0.1).
    String loopback = peer.outboundHost().isEmpty() ? "127.0.0.1" : peer.outboundHost();
    PeerSettings behind =
        new PeerSettings(loopback, 0, 0, "", peer.connectTimeout(), peer.readTimeout());
    ctx.spawn(
        ReadinessExchange.create(
            new ReadinessExchange.Self(
                settings.server(),
                settings.region(),
                config.getString("tako.cluster.host"),
                peer.advertisedPort()),
            snapshots,
            tls,
            failoverSettings,
            blocking),
        "readiness");
    CompletableFuture.runAsync(tls::refresh, blocking)
        .thenCompose(
            done ->
                PeerListener.bind(
                    system, behind, settings.home(), new ArtifactStore(settings.home())))
        .thenCompose(
            artifacts -> {
              Failover failover =
                  new Failover(
                      settings.server(),
                      peer.outboundHost(),
                      tls,
                      new Upstream(loopback, artifacts.localAddress().getPort(), true));
              snapshots.failover(failover);
              return TcpProxy.bind(
                  system,
                  peer.bindHost(),
                  peer.port(),
                  snapshots,
                  proxySettings,
                  new ProxyListener.Peer());
            })
        .whenComplete(
            (binding, failure) -> {
              if (failure != null) {
                // The node still serves its apps; peers cannot fetch from it or forward to it.
                log.error(
                    "cannot bind the node-to-node listener on {}:{}: {} (tako.peer.port in"
                        + " node.conf)",
                    peer.bindHost(),
                    peer.port(),
                    failure.getMessage());
              } else {
                log.info("node-to-node listener on {}", binding.localAddress());
              }
            });
  }
}
