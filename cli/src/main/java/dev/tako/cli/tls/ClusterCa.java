package dev.tako.cli.tls;

import dev.tako.cli.ssh.KeyFiles;
import dev.tako.protocol.tls.CaCertificates;
import dev.tako.protocol.tls.CaFiles;
import dev.tako.protocol.tls.PemFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;

/**
 * The cluster's certificate authority, kept by the CLI in one directory ({@code
 * $TAKO_HOME/cluster-ca/}: {@code ca.key} 0600, {@code ca.crt}). It issues each node an RSA key and
 * a certificate signed directly by this root, all with the same subject ({@code CN=tako-node}, DNS
 * SAN {@code tako-node}): Pekko Artery's {@code RotatingKeysSSLEngineProvider} trusts exactly one
 * CA certificate (no intermediates) and accepts a peer only if it shares a subject name with its
 * own certificate. Nodes of another cluster (another CA) therefore fail the TLS handshake and never
 * join.
 *
 * <p>Losing {@code ca.key} means no new node can join the existing cluster; a half-present CA (one
 * of the two files) or unreadable files fail {@link #loadOrCreate} with an {@link IOException}
 * saying what to restore.
 */
public final class ClusterCa {

  /** The subject every node certificate shares (CN and DNS SAN). */
  public static final String NODE_SUBJECT_NAME = "tako-node";

  static final String KEY_FILE = CaFiles.KEY_FILE;
  static final String CERT_FILE = CaFiles.CERT_FILE;
  private static final String SIGNATURE = "SHA256withRSA";

  /** RSA-3072, 10 years; a broken one is restored from a backup, not replaced. */
  private static final CaFiles.Kind KIND =
      new CaFiles.Kind(
          "the cluster CA",
          "RSA",
          3072,
          SIGNATURE,
          Duration.ofDays(3653),
          "CN=Tako cluster CA %s",
          dir ->
              "restore it from a backup (nodes trust only the CA that issued their certificates),"
                  + " or, for a brand-new cluster, remove "
                  + dir);

  private static final Duration NODE_VALIDITY = Duration.ofDays(1827); // 5 years
  // tolerates clocks on servers that run a little behind the laptop
  private static final Duration BACKDATE = Duration.ofHours(1);

  private final PrivateKey caKey;
  private final X509Certificate caCert;
  private final String caCertPem;

  private ClusterCa(CaFiles.Ca ca) {
    this.caKey = ca.key();
    this.caCert = ca.certificate();
    this.caCertPem = certPem(caCert);
  }

  /** Loads the CA from {@code dir}, or creates it there (with the directory, 0700) if absent. */
  public static ClusterCa loadOrCreate(Path dir) throws IOException {
    return new ClusterCa(CaFiles.loadOrCreate(dir, KIND, Clock.systemUTC()));
  }

  /**
   * A fresh RSA-2048 key and a certificate for it (valid 5 years, capped at the CA's own expiry),
   * signed by this CA. {@code serverName} is not in the certificate (all nodes share one subject);
   * it only makes each certificate's serial traceable in errors.
   */
  public NodeCredentials issue(String serverName) {
    try {
      KeyPair node = rsa(2048);
      Instant now = Instant.now();
      X509v3CertificateBuilder b =
          CaCertificates.leaf(
              caCert,
              NODE_SUBJECT_NAME,
              node.getPublic(),
              now.minus(BACKDATE),
              now.plus(NODE_VALIDITY));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      // every node is a TLS server to some peers and a client to others
      b.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(new GeneralName(GeneralName.dNSName, NODE_SUBJECT_NAME)));
      X509Certificate cert = sign(b);
      return new NodeCredentials(KeyFiles.pkcs8Pem(node.getPrivate()), certPem(cert), caCertPem);
    } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
      throw new IllegalStateException(
          "cannot issue a cluster certificate for " + serverName + ": " + e.getMessage(), e);
    }
  }

  public X509Certificate caCertificate() {
    return caCert;
  }

  public String caCertPem() {
    return caCertPem;
  }

  private X509Certificate sign(X509v3CertificateBuilder b)
      throws OperatorCreationException, GeneralSecurityException {
    return CaCertificates.sign(b, caKey, SIGNATURE);
  }

  private static KeyPair rsa(int bits) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(bits);
    return g.generateKeyPair();
  }

  static String certPem(X509Certificate cert) {
    return PemFiles.certificatePem(cert);
  }

  /** Parses one PEM (or DER) X.509 certificate. */
  public static X509Certificate parseCertificate(String pem) throws CertificateException {
    return PemFiles.parseCertificate(pem);
  }

  /** The public key a node certificate was issued for (for tests and checks). */
  static PublicKey publicKeyOf(String certPem) throws CertificateException {
    return parseCertificate(certPem).getPublicKey();
  }
}
