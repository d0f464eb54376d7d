/**
 * Failover between servers (SPEC §12): a node whose proxy has no ready local instance of an app
 * forwards the request to the nearest server of the same environment that has one.
 *
 * <p>Why this shape:
 *
 * <ul>
 *   <li><b>The bytes stay on the proxy's NIO event loops.</b> A Pekko HTTP hop was measured at
 *       0.35x nginx (BENCH.md); here a peer is one more upstream of the sending proxy, reached over
 *       TLS with the cluster certificate, pooled and kept alive like an app instance's connections,
 *       with bodies streamed both ways. The receiving node's proxy accepts it on the node-to-node
 *       listener ({@code tako.peer.port}): mutual TLS, a client certificate of the cluster CA
 *       required. That same listener passes the peers' artifact fetches ({@code /v1/peer/}) on to
 *       the node's artifact routes, so a node still has one node-to-node port, and the playground's
 *       relays (WAN delays, partitions) apply to forwarded requests as to artifact fetches.
 *   <li><b>The hop is marked by where it arrives.</b> A request that came in on the node-to-node
 *       listener is a forwarded one: it is routed exactly as a visitor's, but never forwarded again
 *       (one hop at most), and a node with no local instance answers it 503 at once. The sender
 *       adds {@code Tako-Hop: <server>}; every {@code Tako-} hop header is dropped by the proxy on
 *       every listener, so an app never sees one and a visitor cannot forge one. The visitor's
 *       X-Forwarded-For, -Proto, -Host and X-Request-ID are written by the first node and kept
 *       verbatim by the second.
 *   <li><b>Readiness and distance are a snapshot.</b> Each node publishes which apps it can serve
 *       (a ready instance) to its peers through the cluster on every change and on a short period,
 *       and measures the round trip to each by a ping; the {@link PeerDirectory} built from that is
 *       immutable and read by the event loops through one volatile reference ({@link Failover}), as
 *       routes are. A peer that stops answering pings is dropped from it after a few periods.
 *   <li><b>The rules are a pure function</b> ({@link FailoverRules}): what may be forwarded or
 *       re-sent (idempotent, nothing of the answer sent, at most one hop), unit-tested alone.
 * </ul>
 */
package dev.tako.proxy.failover;
