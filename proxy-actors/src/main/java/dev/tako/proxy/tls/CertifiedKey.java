package dev.tako.proxy.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A private key and its certificate chain (leaf first), as presented in a TLS handshake.
 *
 * @param key the leaf's private key
 * @param chain leaf first, then intermediates; never empty
 */
public record CertifiedKey(PrivateKey key, List<X509Certificate> chain) {
  public CertifiedKey {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("a certificate chain needs at least the leaf");
    }
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }
}
