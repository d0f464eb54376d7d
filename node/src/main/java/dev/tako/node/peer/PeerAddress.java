package dev.tako.node.peer;

import dev.tako.node.NodeConfig;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Where a member's node-to-node listener is: the host of its cluster address and the port it
 * advertises in a cluster role ({@code peer-port-25521}). A member of a version without the
 * listener has no such role, and no address here.
 */
public record PeerAddress(String host, int port) {
  static final String ROLE_PREFIX = "peer-port-";

  /** The role that advertises {@code port}. */
  public static String role(int port) {
    return ROLE_PREFIX + port;
  }

  public static Optional<PeerAddress> of(Member member) {
    return port(member.getRoles())
        .flatMap(p -> scalaOption(member.address().host()).map(h -> new PeerAddress(h, p)));
  }

  /** The listener of the member that runs {@code server}, if it is in the cluster and has one. */
  public static Optional<PeerAddress> ofServer(Cluster cluster, String server) {
    for (Member m : cluster.state().getMembers()) {
      if (server.equals(NodeConfig.serverOf(m.getRoles()))) {
        return of(m);
      }
    }
    return Optional.empty();
  }

  static Optional<Integer> port(Set<String> roles) {
    for (String role : roles) {
      if (role.startsWith(ROLE_PREFIX)) {
        try {
          int port = Integer.parseInt(role.substring(ROLE_PREFIX.length()));
          if (port > 0 && port < 65536) {
            return Optional.of(port);
          }
        } catch (NumberFormatException e) {
          // not ours
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> scalaOption(scala.Option<String> o) {
    return o.isDefined() ? Optional.of(o.get()) : Optional.empty();
  }

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
