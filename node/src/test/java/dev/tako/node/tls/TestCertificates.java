package dev.tako.node.tls;

import dev.tako.proxy.tls.CertificateSource;
import dev.tako.proxy.tls.CertifiedKey;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Self-signed test certificates (BouncyCastle), and a fallback source made of them. */
final class TestCertificates {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private TestCertificates() {}

  /**
   * A self-signed certificate for a DNS name, or an IP address when {@code name} starts with a
   * digit.
   */
  static X509Certificate selfSigned(KeyPair key, String name, Instant notBefore, Instant notAfter) {
    try {
      X500Name subject = new X500Name("CN=" + name);
      var builder =
          new JcaX509v3CertificateBuilder(
              subject,
              BigInteger.valueOf(SERIAL.incrementAndGet()),
              Date.from(notBefore),
              Date.from(notAfter),
              subject,
              key.getPublic());
      int type = Character.isDigit(name.charAt(0)) ? GeneralName.iPAddress : GeneralName.dNSName;
      builder.addExtension(
          Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(type, name)));
      var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate());
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static X509Certificate selfSigned(KeyPair key, String name, Instant notAfter) {
    return selfSigned(key, name, Instant.now().minusSeconds(60), notAfter);
  }

  /** Serves a self-signed certificate per name, made on first use, like the node's fallback. */
  static final class SelfSigned implements CertificateSource {
    private final Map<String, CertifiedKey> byName = new ConcurrentHashMap<>();

    @Override
    public CertifiedKey select(String serverName) {
      String name = serverName == null ? "localhost" : serverName;
      return byName.computeIfAbsent(
          name,
          n -> {
            KeyPair key = CertificateStore.newKeyPair();
            return new CertifiedKey(
                key.getPrivate(), List.of(selfSigned(key, n, Instant.now().plusSeconds(86_400))));
          });
    }
  }
}
