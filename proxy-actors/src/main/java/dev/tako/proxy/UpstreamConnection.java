package dev.tako.proxy;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A connection from the proxy to one app instance, kept alive between requests in its {@link
 * EventLoop}'s pool. While a {@link ProxyConnection} owns it, its events go to that owner; while
 * idle, any byte or end of stream from the app means it is no longer usable and it is closed.
 */
final class UpstreamConnection implements EventLoop.Handler {
  final Upstream upstream;
  final SocketChannel channel;

  /** What the legs read and write: the channel, or {@link #tls} over it for a peer. */
  final ByteChannelPair io;

  /** A peer's node-to-node listener: the TLS session over {@link #channel}, else null. */
  final TlsChannel tls;

  final EventLoop loop;
  SelectionKey key;
  ProxyConnection owner;

  /** Served an earlier request, so a failure before any answer may just be a stale connection. */
  boolean reused;

  long idleSince;

  /** Counted in the loop's open connections to {@link #upstream} (see EventLoop). */
  boolean counted;

  UpstreamConnection(EventLoop loop, Upstream upstream, SocketChannel channel) {
    this(loop, upstream, channel, null);
  }

  private UpstreamConnection(
      EventLoop loop, Upstream upstream, SocketChannel channel, TlsChannel tls) {
    this.loop = loop;
    this.upstream = upstream;
    this.channel = channel;
    this.tls = tls;
    this.io = tls != null ? new ByteChannelPair(tls, tls) : new ByteChannelPair(channel, channel);
  }

  /**
   * A connection to a peer's proxy: TLS as the client, with this node's cluster certificate,
   * dialing from the node's outbound address (so relays in front of the peer know where it comes
   * from).
   *
   * @throws IOException when the cluster TLS context cannot be read or the bind fails
   */
  static UpstreamConnection toPeer(
      EventLoop loop,
      Upstream upstream,
      SocketChannel channel,
      dev.tako.proxy.failover.Failover failover)
      throws IOException {
    javax.net.ssl.SSLContext context = failover.tls();
    if (context == null) {
      throw new IOException("no cluster TLS context to reach peer " + upstream);
    }
    if (!failover.outboundHost().isEmpty()) {
      channel.bind(new java.net.InetSocketAddress(failover.outboundHost(), 0));
    }
    javax.net.ssl.SSLEngine engine = context.createSSLEngine(upstream.host(), upstream.port());
    engine.setUseClientMode(true);
    return new UpstreamConnection(loop, upstream, channel, new TlsChannel(channel, engine, null));
  }

  /** TLS to a peer whose handshake has not finished yet. */
  boolean handshaking() {
    return tls != null && !tls.handshaken();
  }

  @Override
  public void ready(SelectionKey key) {
    if (owner != null) {
      owner.onUpstream(this, key.readyOps());
    } else {
      loop.idleEvent(this);
    }
  }

  /** Closed, or an upgraded pipe that may live for hours: no longer counted. */
  void uncount() {
    if (counted) {
      counted = false;
      loop.uncounted(upstream);
    }
  }

  void close() {
    owner = null;
    uncount();
    if (tls != null) {
      tls.goodbye();
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing: nothing left to do
    }
  }
}
