package dev.tako.proxy.failover;

/**
 * Where a peer's proxy takes forwarded requests: its node-to-node listener.
 *
 * @param server the peer's server name
 * @param region its region
 * @param host the host its peers dial
 * @param port the node-to-node port its peers dial (a relay may sit in front)
 * @param rttNanos the last measured round trip to it, or {@link Long#MAX_VALUE} when not yet known
 */
public record PeerProxy(String server, String region, String host, int port, long rttNanos) {
  public PeerProxy {
    if (server == null || server.isBlank() || host == null || host.isBlank()) {
      throw new IllegalArgumentException("a peer proxy needs a server name and a host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("a peer port is 1..65535, not " + port);
    }
  }
}
