package dev.tako.node.tls;

import java.util.List;
import java.util.Set;

/**
 * Which server of an environment orders (and renews) the certificate of one of its hosts for all of
 * them: the first server of the environment's list that is up, so every node that sees the same
 * list and the same membership names the same one, and the next one takes over while the first is
 * down. This node counts as up. A host of no environment (an empty list) or of a list that names no
 * server up is this node's own to order. Pure.
 */
public final class Orderer {
  private Orderer() {}

  /**
   * @param servers the environment's servers, in order
   * @param up the other servers that are up and reachable now
   * @param self this node's server name
   */
  public static String of(List<String> servers, Set<String> up, String self) {
    for (String s : servers) {
      if (s.equals(self) || up.contains(s)) {
        return s;
      }
    }
    return self;
  }
}
