package dev.tako.node.peer;

import dev.tako.protocol.tls.CaCertificates;
import dev.tako.protocol.tls.CaFiles;
import dev.tako.protocol.tls.PemFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;

/** A test cluster CA and node TLS directories as {@code tako servers add} writes them. */
public final class PeerTesting {
  private static final CaFiles.Kind KIND =
      new CaFiles.Kind(
          "a test cluster CA",
          "RSA",
          2048,
          "SHA256withRSA",
          Duration.ofDays(30),
          "CN=Test cluster CA %s",
          dir -> "remove " + dir);

  private PeerTesting() {}

  /** A CA in {@code dir} (made there when absent). */
  public static CaFiles.Ca ca(Path dir) throws Exception {
    return CaFiles.loadOrCreate(dir, KIND, Clock.systemUTC());
  }

  /** A node's tls directory as the CLI writes it: node.key, node.crt, ca.crt. */
  public static void issue(CaFiles.Ca ca, Path tls) throws Exception {
    Files.createDirectories(tls);
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair key = g.generateKeyPair();
    var b =
        CaCertificates.leaf(
            ca.certificate(),
            "tako-node",
            key.getPublic(),
            Instant.now().minusSeconds(3600),
            Instant.now().plus(Duration.ofDays(1)));
    b.addExtension(
        Extension.extendedKeyUsage,
        false,
        new ExtendedKeyUsage(
            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    var cert = CaCertificates.sign(b, ca.key(), "SHA256withRSA");
    PemFiles.writePrivateKey(tls.resolve("node.key"), key.getPrivate());
    Files.writeString(tls.resolve("node.crt"), PemFiles.certificatePem(cert));
    Files.writeString(tls.resolve("ca.crt"), PemFiles.certificatePem(ca.certificate()));
  }
}
