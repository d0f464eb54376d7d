/**
 * {@code GET /metrics}: Prometheus text for this node (members, instances, the proxy's counters,
 * the JVM). May use the root package, {@code cluster}, {@code status} and the proxy's counters.
 */
package dev.tako.node.metrics;
