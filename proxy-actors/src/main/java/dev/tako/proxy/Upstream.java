package dev.tako.proxy;

/**
 * The address of one ready app instance, as the proxy connects to it (in practice a loopback port),
 * or of a peer's node-to-node listener ({@code peer}: reached over TLS with this node's cluster
 * certificate, see {@link dev.tako.proxy.failover}).
 *
 * @param host a host name or IP literal
 * @param port 1..65535
 * @param peer a peer node's proxy, spoken to over mutual TLS, not an app instance
 */
public record Upstream(String host, int port, boolean peer) {
  public Upstream {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("an upstream needs a host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("an upstream port is 1..65535, not " + port);
    }
  }

  /** An app instance (plain HTTP). */
  public Upstream(String host, int port) {
    this(host, port, false);
  }

  @Override
  public String toString() {
    return (peer ? "peer " : "") + host + ":" + port;
  }
}
