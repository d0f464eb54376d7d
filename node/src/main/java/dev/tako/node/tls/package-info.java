/**
 * HTTPS certificates ({@code tls} in tako.toml): self-signed or ACME certificates per host, their
 * store and renewal, the orders shared across an environment's servers, and this node's side of
 * that exchange ({@link dev.tako.node.tls.CertificateRelay}, {@link
 * dev.tako.node.tls.ClusterCertificatePeers}). May use the root package, {@code cluster} and the
 * proxy's TLS types.
 */
package dev.tako.node.tls;
