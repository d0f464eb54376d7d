package dev.tako.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.proxy.tls.CertifiedKey;
import java.io.IOException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedCertificateTest {
  static CertifiedKey certified(KeyPair key, String host) {
    X509Certificate leaf =
        TestCertificates.selfSigned(key, host, Instant.now().plus(Duration.ofDays(90)));
    X509Certificate ca =
        TestCertificates.selfSigned(
            CertificateStore.newKeyPair(), "ca.test", Instant.now().plus(Duration.ofDays(90)));
    return new CertifiedKey(key.getPrivate(), List.of(leaf, ca));
  }

  @Test
  void aKeyAndChainTravelAsPemAndOpenToTheSame() throws Exception {
    CertifiedKey key = certified(CertificateStore.newKeyPair(), "shop.example.com");
    SharedCertificate shared = SharedCertificate.of("shop.example.com", key);
    CertifiedKey opened = shared.open();
    assertEquals(key.chain(), opened.chain());
    assertEquals(key.key(), opened.key());
    assertTrue(shared.keyPem().contains("BEGIN PRIVATE KEY"));
    assertFalse(shared.toString().contains("PRIVATE KEY"), shared.toString());
  }

  @Test
  void aKeyOfAnotherCertificateOrACertificateOfAnotherHostIsRefused() {
    CertifiedKey key = certified(CertificateStore.newKeyPair(), "shop.example.com");
    CertifiedKey other = certified(CertificateStore.newKeyPair(), "shop.example.com");
    SharedCertificate mixed =
        new SharedCertificate(
            "shop.example.com",
            SharedCertificate.of("shop.example.com", other).keyPem(),
            SharedCertificate.of("shop.example.com", key).chainPem());
    IOException e = assertThrows(IOException.class, mixed::open);
    assertTrue(e.getMessage().contains("does not belong"), e.getMessage());

    SharedCertificate renamed = SharedCertificate.of("blog.example.com", key);
    e = assertThrows(IOException.class, renamed::open);
    assertTrue(e.getMessage().contains("does not name blog.example.com"), e.getMessage());
  }
}
