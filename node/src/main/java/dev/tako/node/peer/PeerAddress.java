package dev.tako.node.peer;

/**
 * Where a node's node-to-node listener is reached: the host of its cluster address and the port it
 * advertises ({@link PeerSettings#advertisedPort()}). A node that offers a release names it (see
 * {@code dev.tako.node.converge.PeerDesk}), so the one fetching needs no directory of its own.
 */
public record PeerAddress(String host, int port) {

  /** {@code host:port} as {@link #toString} writes it; a malformed one is an error naming it. */
  public static PeerAddress parse(String hostPort) {
    int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("not a host:port: " + hostPort);
    }
    try {
      int port = Integer.parseInt(hostPort.substring(colon + 1));
      if (port <= 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return new PeerAddress(hostPort.substring(0, colon), port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a host:port: " + hostPort, e);
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
