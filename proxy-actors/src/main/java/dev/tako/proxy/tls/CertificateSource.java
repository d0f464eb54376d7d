package dev.tako.proxy.tls;

/**
 * Chooses the certificate the HTTPS listener presents, per connection, by the server name the
 * visitor asked for (SNI). Implementations: self-signed per host (the fallback), ACME-issued
 * certificates on a node, leaf certificates from the local CA under {@code tako dev}.
 *
 * <p>Called on a proxy event loop during handshakes, so it must answer fast: cache, and do slow
 * work (issuing, renewing) elsewhere.
 */
public interface CertificateSource {

  /**
   * The key and chain for a handshake.
   *
   * @param serverName the SNI host name in lower case, or null when the client sent none
   * @return never null: a source without a fitting certificate falls back to a self-signed one
   */
  CertifiedKey select(String serverName);
}
