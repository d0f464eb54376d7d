package dev.tako.node.tls;

import java.util.List;

/**
 * Where the NodeAgent declares which hosts want an ACME certificate on this node: the complete list
 * every time a current release changes and after a restart. Implementations return at once (it is
 * called on an actor thread) and do the ordering elsewhere.
 */
@FunctionalInterface
public interface AcmeHosts {

  /** Nobody orders certificates (tests, nodes without a certificate manager). */
  AcmeHosts NONE = hosts -> {};

  /**
   * @param hosts every host wanted now; hosts missing from an earlier call are no longer ordered
   */
  void want(List<AcmeHost> hosts);
}
