package dev.tako.protocol.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM files as the CLI and the node keep them: certificates, unencrypted PKCS#8 private keys, and
 * secret files written 0600 through an atomic rename so they never exist with wider permissions.
 * Malformed files fail with an {@link IOException} naming the file.
 */
public final class PemFiles {
  private static final Pattern PKCS8_PEM =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private PemFiles() {}

  /** PEM armour with 64-column Base64, as OpenSSL writes it. */
  public static String pem(String label, byte[] der) {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
  }

  /** The private key as PKCS#8 PEM text. */
  public static String pkcs8Pem(PrivateKey key) {
    return pem("PRIVATE KEY", key.getEncoded());
  }

  /** The certificate as PEM text. */
  public static String certificatePem(X509Certificate cert) {
    try {
      return pem("CERTIFICATE", cert.getEncoded());
    } catch (CertificateException e) {
      throw new IllegalStateException("cannot encode a certificate", e);
    }
  }

  /** Writes the private key as PKCS#8 PEM, readable by its owner only (0600), atomically. */
  public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
    writeSecret(file, pkcs8Pem(key).getBytes(StandardCharsets.US_ASCII));
  }

  /** Writes bytes to a file created 0600 (via a temporary sibling, then an atomic rename). */
  public static void writeSecret(Path file, byte[] content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp =
        dir.resolve(file.getFileName() + ".tmp-" + Long.toUnsignedString(System.nanoTime(), 36));
    try {
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException e) {
      throw new IOException("cannot create " + tmp + ": it already exists; remove it and retry", e);
    }
    try {
      Files.write(tmp, content);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Reads an unencrypted PKCS#8 PEM private key of {@code algorithm} ("EC", "RSA").
   *
   * @param remedy what the user should do when the file is not such a key
   */
  public static PrivateKey readPrivateKey(Path file, String algorithm, String remedy)
      throws IOException {
    Matcher m = PKCS8_PEM.matcher(Files.readString(file, StandardCharsets.US_ASCII));
    if (!m.find()) {
      throw new IOException(
          file
              + " is not an unencrypted PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----); "
              + remedy);
    }
    try {
      return KeyFactory.getInstance(algorithm)
          .generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1))));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException(
          file + " is not an " + algorithm + " private key: " + e.getMessage() + "; " + remedy, e);
    }
  }

  /** Parses one PEM (or DER) X.509 certificate. */
  public static X509Certificate parseCertificate(String pem) throws CertificateException {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
  }
}
