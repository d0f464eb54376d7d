package dev.tako.node.tls;

import dev.tako.protocol.CborSerializable;
import dev.tako.proxy.tls.CertifiedKey;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;

/**
 * One host's issued certificate as it travels between the nodes of an environment: the private key
 * (PKCS#8) and the chain, PEM. It crosses only the cluster's transport (Artery over mutual TLS);
 * {@link #toString()} leaves the key out, so dead letters and logs never show it.
 *
 * @param host the certificate's host
 * @param keyPem the private key, PEM
 * @param chainPem leaf first, then intermediates, PEM
 */
public record SharedCertificate(String host, String keyPem, String chainPem)
    implements CborSerializable {

  /** The PEM form of a key and chain. */
  public static SharedCertificate of(String host, CertifiedKey key) {
    StringBuilder chain = new StringBuilder();
    for (X509Certificate c : key.chain()) {
      try {
        chain.append(CertificateStore.pem("CERTIFICATE", c.getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalArgumentException("cannot encode the certificate of " + host, e);
      }
    }
    return new SharedCertificate(
        host, CertificateStore.pem("PRIVATE KEY", key.key().getEncoded()), chain.toString());
  }

  /**
   * The key and chain, checked: the key belongs to the leaf, and the leaf names the host.
   *
   * @throws IOException what is wrong with them
   */
  public CertifiedKey open() throws IOException {
    try {
      return CertificateStore.parse(host, keyPem, chainPem);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException("the certificate for " + host + " is unusable: " + e.getMessage(), e);
    }
  }

  /** Never the key. */
  @Override
  public String toString() {
    return "SharedCertificate[" + host + "]";
  }
}
