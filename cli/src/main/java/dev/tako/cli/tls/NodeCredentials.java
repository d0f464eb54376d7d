package dev.tako.cli.tls;

/**
 * What one node needs to join the cluster over Artery TLS, as PEM text ready to be written to the
 * node's {@code tls/} directory.
 *
 * @param keyPem the node's RSA private key, unencrypted PKCS#8 ({@code -----BEGIN PRIVATE
 *     KEY-----}); Pekko's {@code RotatingKeysSSLEngineProvider} reads this as {@code key-file}
 *     (keep it 0600)
 * @param certPem the node's certificate ({@code cert-file}), signed by the cluster CA
 * @param caCertPem the cluster CA's certificate ({@code ca-cert-file}), the only trust anchor
 */
public record NodeCredentials(String keyPem, String certPem, String caCertPem) {

  @Override
  public String toString() {
    // never print a private key by accident
    return "NodeCredentials[keyPem=<redacted>, certPem=" + certPem.length() + " chars]";
  }
}
