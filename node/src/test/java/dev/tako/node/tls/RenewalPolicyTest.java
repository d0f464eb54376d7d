package dev.tako.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RenewalPolicyTest {
  final RenewalPolicy policy =
      new RenewalPolicy(Duration.ofDays(30), Duration.ofMinutes(1), Duration.ofHours(1));
  final KeyPair key = CertificateStore.newKeyPair();
  final Instant issued = Instant.parse("2026-01-01T00:00:00Z");

  X509Certificate cert(Duration lifetime) {
    return TestCertificates.selfSigned(key, "a.example.com", issued, issued.plus(lifetime));
  }

  @Test
  void aNinetyDayCertificateIsDueThirtyDaysBeforeItExpires() {
    X509Certificate c = cert(Duration.ofDays(90));
    assertFalse(policy.due(c, issued.plus(Duration.ofDays(59))));
    assertTrue(policy.due(c, issued.plus(Duration.ofDays(60))));
    assertTrue(policy.due(c, issued.plus(Duration.ofDays(100))), "expired");
  }

  @Test
  void aShortLivedCertificateIsDueWithAThirdOfItsLifetimeLeft() {
    X509Certificate c = cert(Duration.ofDays(6));
    assertFalse(policy.due(c, issued.plus(Duration.ofDays(3))));
    assertTrue(policy.due(c, issued.plus(Duration.ofDays(4))));
  }

  @Test
  void retriesWaitLongerPerFailureUpToTheCap() {
    assertEquals(Duration.ofMinutes(1), policy.retryDelay(1));
    assertEquals(Duration.ofMinutes(2), policy.retryDelay(2));
    assertEquals(Duration.ofMinutes(32), policy.retryDelay(6));
    assertEquals(Duration.ofHours(1), policy.retryDelay(7));
    assertEquals(Duration.ofHours(1), policy.retryDelay(1000));
  }
}
