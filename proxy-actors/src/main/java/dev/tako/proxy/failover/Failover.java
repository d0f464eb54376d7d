package dev.tako.proxy.failover;

import dev.tako.proxy.Upstream;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * What the event loops read to forward requests to peers: the latest {@link PeerDirectory} (one
 * volatile reference, replaced whole by the node's readiness exchange) and how to reach a peer
 * (this node's cluster TLS context, the local address to dial from). {@link #OFF} until the node
 * installs its own: a proxy without it never forwards.
 */
public final class Failover {
  /** No forwarding (tests, {@code tako dev}). */
  public static final Failover OFF = new Failover("", "", () -> null, null);

  private final String server;
  private final String outboundHost;
  private final Supplier<SSLContext> tls;
  private final Upstream artifacts;
  private volatile PeerDirectory directory = PeerDirectory.EMPTY;

  /**
   * @param server this node's server name (the {@code Tako-Hop} value)
   * @param outboundHost the local address connections to peers dial from ("" any)
   * @param tls this node's cluster TLS context (client and server side), read per new connection
   * @param artifacts where the node-to-node listener passes {@code /v1/peer/} requests (the node's
   *     artifact routes), or null
   */
  public Failover(
      String server, String outboundHost, Supplier<SSLContext> tls, Upstream artifacts) {
    this.server = server;
    this.outboundHost = outboundHost;
    this.tls = tls;
    this.artifacts = artifacts;
  }

  public boolean on() {
    return this != OFF;
  }

  public String server() {
    return server;
  }

  public String outboundHost() {
    return outboundHost;
  }

  /** The cluster TLS context, or null when it cannot be read. */
  public SSLContext tls() {
    return tls.get();
  }

  public Upstream artifacts() {
    return artifacts;
  }

  public PeerDirectory directory() {
    return directory;
  }

  /** Replaces the directory (the node's readiness exchange, on every change). */
  public void publish(PeerDirectory next) {
    directory = next == null ? PeerDirectory.EMPTY : next;
  }

  /** The upstream that reaches {@code peer}'s proxy. */
  public static Upstream upstream(PeerProxy peer) {
    return new Upstream(peer.host(), peer.port(), true);
  }
}
