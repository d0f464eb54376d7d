package dev.tako.protocol.tls;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.function.Function;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;

/**
 * A certificate authority kept as two files in one directory ({@code ca.key} 0600, {@code ca.crt},
 * the directory 0700): the cluster CA and the tako dev CA are both made and read here, each
 * described by a {@link Kind}. Creation happens under a lock file, so two processes starting at
 * once on a new machine make one CA; the key is written first, so a crash in between leaves a key
 * without a certificate, which is reported rather than silently replaced by a second CA.
 *
 * <p>Failure: a half-present CA, an unreadable file or a certificate that does not belong to the
 * key is an {@link IOException} saying what is wrong and the kind's remedy.
 */
public final class CaFiles {
  public static final String KEY_FILE = "ca.key";
  public static final String CERT_FILE = "ca.crt";

  // tolerates clocks that run a little behind the machine that made the CA
  private static final Duration BACKDATE = Duration.ofHours(1);

  /**
   * What sets one CA apart.
   *
   * @param title how errors name it ("the cluster CA")
   * @param keyAlgorithm "EC" (P-256) or "RSA"
   * @param rsaBits the RSA key size (unused for EC)
   * @param signature the JCA signature algorithm it signs with
   * @param validity how long its certificate is valid
   * @param subject the subject name, {@code %s} replaced by a random id and the creation date, so
   *     two CAs are told apart in trust stores and logs
   * @param remedy what the user does about a broken CA in the given directory
   */
  public record Kind(
      String title,
      String keyAlgorithm,
      int rsaBits,
      String signature,
      Duration validity,
      String subject,
      Function<Path, String> remedy) {}

  /**
   * The tako dev CA of {@code $TAKO_HOME/ca}: created by the CLI (for {@code tako dev} and {@code
   * tako dev trust}), loaded by the node's dev proxy, which issues its leaves.
   */
  public static final Kind DEV =
      new Kind(
          "the tako dev CA",
          "EC",
          0,
          "SHA256withECDSA",
          Duration.ofDays(3650),
          "CN=Tako dev CA %s, O=Tako development",
          dir -> "remove " + dir + " to make a new one, then run tako dev trust again");

  /** A loaded CA: its key, its certificate and where the certificate lies. */
  public record Ca(PrivateKey key, X509Certificate certificate, Path certFile) {}

  private CaFiles() {}

  /**
   * The file {@code tako dev trust} leaves beside the dev CA's certificate once a trust store
   * trusts it; while it is absent, {@code tako dev} suggests running that command.
   */
  public static Path trustedMarker(Path caCert) {
    return caCert.resolveSibling("trusted");
  }

  /** Loads the CA of {@code dir}, creating the directory and the CA when absent. */
  public static Ca loadOrCreate(Path dir, Kind kind, Clock clock) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    synchronized (CaFiles.class) {
      try (FileChannel channel =
              FileChannel.open(
                  dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = channel.lock()) {
        boolean hasKey = Files.exists(dir.resolve(KEY_FILE));
        boolean hasCert = Files.exists(dir.resolve(CERT_FILE));
        return hasKey || hasCert ? load(dir, kind) : create(dir, kind, clock);
      }
    }
  }

  /** Loads the CA of {@code dir}; a missing, half-present or broken one is an IOException. */
  public static Ca load(Path dir, Kind kind) throws IOException {
    Path keyFile = dir.resolve(KEY_FILE);
    Path certFile = dir.resolve(CERT_FILE);
    boolean hasKey = Files.exists(keyFile);
    boolean hasCert = Files.exists(certFile);
    if (!hasKey || !hasCert) {
      String missing =
          !hasKey && !hasCert ? "ca.key and ca.crt are" : (hasKey ? CERT_FILE : KEY_FILE) + " is";
      throw new IOException(
          kind.title()
              + " in "
              + dir
              + " is incomplete: "
              + missing
              + " missing; "
              + kind.remedy().apply(dir));
    }
    PrivateKey key =
        PemFiles.readPrivateKey(keyFile, kind.keyAlgorithm(), kind.remedy().apply(dir));
    X509Certificate cert;
    try {
      cert = PemFiles.parseCertificate(Files.readString(certFile, StandardCharsets.US_ASCII));
    } catch (CertificateException e) {
      throw new IOException(
          certFile
              + " is not a PEM X.509 certificate: "
              + e.getMessage()
              + "; "
              + kind.remedy().apply(dir),
          e);
    }
    if (!belongTogether(key, cert, kind.signature())) {
      throw new IOException(
          certFile + " does not belong to " + keyFile + "; " + kind.remedy().apply(dir));
    }
    return new Ca(key, cert, certFile);
  }

  private static Ca create(Path dir, Kind kind, Clock clock) throws IOException {
    try {
      KeyPair keys = keyPair(kind);
      Instant now = clock.instant();
      byte[] id = new byte[4];
      new SecureRandom().nextBytes(id);
      String stamp =
          HexFormat.of().formatHex(id) + " (" + now.atZone(ZoneOffset.UTC).toLocalDate() + ")";
      X509Certificate cert =
          CaCertificates.selfSignedCa(
              keys,
              new X500Name(String.format(kind.subject(), stamp)),
              now.minus(BACKDATE),
              now.plus(kind.validity()),
              kind.signature());
      Path certFile = dir.resolve(CERT_FILE);
      PemFiles.writePrivateKey(dir.resolve(KEY_FILE), keys.getPrivate());
      Files.writeString(certFile, PemFiles.certificatePem(cert), StandardCharsets.US_ASCII);
      return new Ca(keys.getPrivate(), cert, certFile);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot create " + kind.title() + ": " + e.getMessage(), e);
    }
  }

  private static KeyPair keyPair(Kind kind) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance(kind.keyAlgorithm());
    if (kind.keyAlgorithm().equals("EC")) {
      g.initialize(new ECGenParameterSpec("secp256r1"));
    } else {
      g.initialize(kind.rsaBits());
    }
    return g.generateKeyPair();
  }

  /** Whether the certificate's public key verifies what the key signs. */
  private static boolean belongTogether(PrivateKey key, X509Certificate cert, String algorithm) {
    try {
      byte[] probe = "tako ca".getBytes(StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(probe);
      byte[] signature = s.sign();
      s.initVerify(cert.getPublicKey());
      s.update(probe);
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
