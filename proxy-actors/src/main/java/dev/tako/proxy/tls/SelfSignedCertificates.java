package dev.tako.proxy.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Self-signed certificates, one per host name asked for, made on first use (EC P-256, about a
 * millisecond) and kept in memory: the fallback of every {@link CertificateSource} for a route
 * whose real certificate is not issued (yet), and the whole source for {@code tls = "self-signed"}.
 * Browsers warn about them; {@code curl -k} accepts them.
 *
 * <p>A handshake without SNI gets a certificate for {@code localhost}. At most {@value #MAX_HOSTS}
 * hosts are kept: beyond that (a scan with random SNI names) the cache starts over.
 */
public final class SelfSignedCertificates implements CertificateSource {
  private static final int MAX_HOSTS = 4096;
  private static final Duration VALIDITY = Duration.ofDays(365);

  private final ConcurrentHashMap<String, CertifiedKey> byHost = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();

  @Override
  public CertifiedKey select(String serverName) {
    String host = serverName == null ? "localhost" : serverName.toLowerCase(Locale.ROOT);
    CertifiedKey known = byHost.get(host);
    if (known != null) {
      return known;
    }
    if (byHost.size() >= MAX_HOSTS) {
      byHost.clear();
    }
    return byHost.computeIfAbsent(host, this::issue);
  }

  private CertifiedKey issue(String host) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), random);
      KeyPair pair = generator.generateKeyPair();
      Instant now = Instant.now();
      X500Name name = new X500Name("CN=" + host);
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              name,
              new BigInteger(96, random),
              Date.from(now.minus(Duration.ofHours(1))),
              Date.from(now.plus(VALIDITY)),
              name,
              pair.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(new GeneralName(GeneralName.dNSName, host)));
      X509Certificate certificate =
          new JcaX509CertificateConverter()
              .getCertificate(
                  builder.build(
                      new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
      return new CertifiedKey(pair.getPrivate(), List.of(certificate));
    } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
      throw new IllegalStateException("cannot make a self-signed certificate for " + host, e);
    }
  }
}
