/**
 * {@code tako servers}: the cluster as the HTTP edge sees it ({@link
 * dev.tako.node.cluster.ClusterView}: members, and asks to any member's NodeAgent with a timeout)
 * and the ping, cluster and leave routes. May use the root package, {@code api} and Pekko cluster.
 */
package dev.tako.node.cluster;
