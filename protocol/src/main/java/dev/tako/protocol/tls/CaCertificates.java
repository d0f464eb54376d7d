package dev.tako.protocol.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** What the CLI's two certificate authorities (the cluster CA and the tako dev CA) share. */
public final class CaCertificates {
  private static final SecureRandom RANDOM = new SecureRandom();

  private CaCertificates() {}

  /**
   * A self-signed CA certificate that may sign end-entity certificates only (path length 0).
   *
   * @param validFrom backdated a little, against clock skew
   */
  public static X509Certificate selfSignedCa(
      KeyPair keys, X500Name name, Instant validFrom, Instant validUntil, String signature)
      throws GeneralSecurityException, OperatorCreationException, CertIOException {
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            name, serial(), Date.from(validFrom), Date.from(validUntil), name, keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    b.addExtension(
        Extension.subjectKeyIdentifier,
        false,
        new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
    return sign(b, keys.getPrivate(), signature);
  }

  /**
   * The common part of an end-entity certificate issued by {@code ca}: subject {@code CN=cn}, valid
   * from {@code validFrom} until {@code validUntil} capped at the CA's own expiry, no CA rights,
   * subject and authority key identifiers. The caller adds key usages and names, then signs.
   */
  public static X509v3CertificateBuilder leaf(
      X509Certificate ca, String cn, PublicKey key, Instant validFrom, Instant validUntil)
      throws GeneralSecurityException, CertIOException {
    Instant caEnd = ca.getNotAfter().toInstant();
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            ca,
            serial(),
            Date.from(validFrom),
            Date.from(validUntil.isAfter(caEnd) ? caEnd : validUntil),
            new X500Name("CN=" + cn),
            key);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key));
    b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
    return b;
  }

  /** Signs a certificate with {@code signer} and the JCA signature algorithm named. */
  public static X509Certificate sign(
      X509v3CertificateBuilder builder, PrivateKey signer, String signature)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter()
        .getCertificate(builder.build(new JcaContentSignerBuilder(signature).build(signer)));
  }

  /** Positive, at most 20 octets (RFC 5280), unpredictable. */
  public static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }
}
