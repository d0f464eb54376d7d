/**
 * Failover between servers, the node's side (SPEC §12): the node-to-node listener on the proxy's
 * event loops ({@link dev.tako.node.failover.NodeToNode}), and the exchange that tells every node
 * which peers have a ready instance of which app and how far away they are ({@link
 * dev.tako.node.failover.ReadinessExchange}). The proxy's side, and why the design is this one, is
 * in {@code dev.tako.proxy.failover}.
 */
package dev.tako.node.failover;
