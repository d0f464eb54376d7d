package dev.tako.cli.dev;

import dev.tako.cli.ssh.KeyFiles;
import dev.tako.cli.tls.CaCertificates;
import dev.tako.proxy.tls.CertificateSource;
import dev.tako.proxy.tls.CertifiedKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;

/**
 * The local development CA of {@code tako dev} (SPEC §8), kept in {@code $TAKO_HOME/ca/} ({@code
 * ca.crt}, {@code ca.key} 0600, the directory 0700), separate from the cluster CA. It is created on
 * first use and never leaves the machine; {@code tako dev trust} adds {@code ca.crt} to the trust
 * stores.
 *
 * <p>As a {@link CertificateSource} it issues, on the fly, one leaf certificate per host name a
 * browser asks for (SNI): an EC P-256 key, the host as its only DNS name, valid {@link
 * #LEAF_VALIDITY}. Issuing takes about a millisecond, so it runs on the proxy's event loop; leaves
 * are cached (at most {@link #CACHE_SIZE} hosts, least recently used dropped) and issued again
 * shortly before they expire. A handshake without SNI, or with a name that is not a host name, gets
 * the leaf for {@code localhost} (DNS {@code localhost}, IP 127.0.0.1 and ::1).
 *
 * <p>Failure: a half-present or unreadable CA fails {@link #loadOrCreate} with an {@link
 * IOException} saying what to remove; issuing cannot fail except for a broken JVM (then {@link
 * IllegalStateException}).
 */
public final class DevCa implements CertificateSource {
  static final String KEY_FILE = "ca.key";
  static final String CERT_FILE = "ca.crt";
  static final Duration CA_VALIDITY = Duration.ofDays(3650);
  static final Duration LEAF_VALIDITY = Duration.ofDays(30);

  /** A cached leaf is issued again when it has less than this left. */
  static final Duration RENEW_BEFORE = Duration.ofDays(1);

  static final int CACHE_SIZE = 512;
  private static final Duration BACKDATE = Duration.ofHours(1);
  private static final String SIGNATURE = "SHA256withECDSA";
  private static final Pattern HOST =
      Pattern.compile(
          "([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
  private static final Pattern PKCS8_PEM =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private final PrivateKey caKey;
  private final X509Certificate caCert;
  private final Path certFile;
  private final Clock clock;

  // Access-ordered: an LRU of issued leaves. Guarded by itself (event loops share the source).
  private final Map<String, CertifiedKey> leaves =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CertifiedKey> eldest) {
          return size() > CACHE_SIZE;
        }
      };

  private DevCa(PrivateKey caKey, X509Certificate caCert, Path certFile, Clock clock) {
    this.caKey = caKey;
    this.caCert = caCert;
    this.certFile = certFile;
    this.clock = clock;
  }

  /** Loads the CA from {@code dir} ({@code $TAKO_HOME/ca}), creating it there if absent. */
  public static DevCa loadOrCreate(Path dir) throws IOException {
    return loadOrCreate(dir, Clock.systemUTC());
  }

  static DevCa loadOrCreate(Path dir, Clock clock) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    // Two tako dev starting at once on a new machine must not both create a CA.
    synchronized (DevCa.class) {
      try (FileChannel channel =
              FileChannel.open(
                  dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = channel.lock()) {
        return loadOrCreateLocked(dir, clock);
      }
    }
  }

  private static DevCa loadOrCreateLocked(Path dir, Clock clock) throws IOException {
    Path keyFile = dir.resolve(KEY_FILE);
    Path certFile = dir.resolve(CERT_FILE);
    boolean hasKey = Files.exists(keyFile);
    boolean hasCert = Files.exists(certFile);
    if (hasKey && hasCert) {
      return load(keyFile, certFile, clock);
    }
    if (hasKey || hasCert) {
      throw new IOException(
          "the tako dev CA in "
              + dir
              + " is incomplete ("
              + (hasKey ? CERT_FILE : KEY_FILE)
              + " is missing); remove "
              + dir
              + " to make a new one, then run tako dev trust again");
    }
    return create(dir, keyFile, certFile, clock);
  }

  /** The CA certificate (what browsers and {@code NODE_EXTRA_CA_CERTS} trust). */
  public X509Certificate certificate() {
    return caCert;
  }

  /** {@code $TAKO_HOME/ca/ca.crt}. */
  public Path certFile() {
    return certFile;
  }

  /**
   * The base64 SHA-256 of the CA's SubjectPublicKeyInfo, as Chromium's {@code
   * --ignore-certificate-errors-spki-list} and HPKP pins spell it.
   */
  public String spkiSha256() {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(caCert.getPublicKey().getEncoded());
      return Base64.getEncoder().encodeToString(hash);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  @Override
  public CertifiedKey select(String serverName) {
    String host = hostOrLocalhost(serverName);
    Instant renewAt = clock.instant().plus(RENEW_BEFORE);
    synchronized (leaves) {
      CertifiedKey cached = leaves.get(host);
      if (cached != null && cached.leaf().getNotAfter().toInstant().isAfter(renewAt)) {
        return cached;
      }
    }
    // Issued outside the lock: two handshakes for a new host may both issue; either leaf is fine.
    CertifiedKey issued = issue(host);
    synchronized (leaves) {
      leaves.put(host, issued);
    }
    return issued;
  }

  /** The SNI name as a host to issue for; "localhost" when absent or not a DNS host name. */
  static String hostOrLocalhost(String serverName) {
    if (serverName == null) {
      return "localhost";
    }
    String host = serverName.toLowerCase(Locale.ROOT);
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    return host.length() <= 253 && HOST.matcher(host).matches() ? host : "localhost";
  }

  /** A fresh leaf for {@code host}, chain: leaf then this CA. */
  CertifiedKey issue(String host) {
    try {
      KeyPair leaf = ecKeyPair();
      Instant now = clock.instant();
      X509v3CertificateBuilder b =
          CaCertificates.leaf(
              caCert, host, leaf.getPublic(), now.minus(BACKDATE), now.plus(LEAF_VALIDITY));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      List<GeneralName> names = new ArrayList<>();
      names.add(new GeneralName(GeneralName.dNSName, host));
      if (host.equals("localhost")) {
        names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        names.add(
            new GeneralName(GeneralName.iPAddress, InetAddress.getByName("::1").getHostAddress()));
      }
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
      X509Certificate cert = CaCertificates.sign(b, caKey, SIGNATURE);
      return new CertifiedKey(leaf.getPrivate(), List.of(cert, caCert));
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot issue a dev certificate for " + host + ": " + e.getMessage(), e);
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new IllegalStateException("cannot sign with the dev CA: " + e.getMessage(), e);
    }
  }

  private static DevCa load(Path keyFile, Path certFile, Clock clock) throws IOException {
    PrivateKey key = readEcKey(keyFile);
    X509Certificate cert;
    try {
      cert =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certFile)));
    } catch (CertificateException e) {
      throw new IOException(
          certFile + " is not a PEM X.509 certificate; remove " + certFile.getParent(), e);
    }
    if (!belongTogether(key, cert)) {
      throw new IOException(
          certFile + " does not belong to " + keyFile + "; remove " + certFile.getParent());
    }
    return new DevCa(key, cert, certFile, clock);
  }

  private static boolean belongTogether(PrivateKey key, X509Certificate cert) {
    try {
      byte[] probe = "tako dev ca".getBytes(StandardCharsets.US_ASCII);
      java.security.Signature s = java.security.Signature.getInstance(SIGNATURE);
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

  private static DevCa create(Path dir, Path keyFile, Path certFile, Clock clock)
      throws IOException {
    try {
      KeyPair keys = ecKeyPair();
      Instant now = clock.instant();
      byte[] id = new byte[4];
      new SecureRandom().nextBytes(id);
      // A distinct name per machine's CA keeps two of them apart in trust stores.
      X500Name name =
          new X500Name(
              "CN=Tako dev CA "
                  + HexFormat.of().formatHex(id)
                  + " ("
                  + now.atZone(ZoneOffset.UTC).toLocalDate()
                  + "), O=Tako development");
      X509Certificate cert =
          CaCertificates.selfSignedCa(
              keys, name, now.minus(BACKDATE), now.plus(CA_VALIDITY), SIGNATURE);
      // The key first: a crash in between leaves a key without a certificate, which loadOrCreate
      // reports instead of silently making a second CA that nobody trusts yet.
      KeyFiles.writePrivateKey(keyFile, keys.getPrivate());
      Files.writeString(
          certFile, KeyFiles.pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
      return new DevCa(keys.getPrivate(), cert, certFile, clock);
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IllegalStateException("cannot create the tako dev CA: " + e.getMessage(), e);
    }
  }

  private static KeyPair ecKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static PrivateKey readEcKey(Path file) throws IOException {
    Matcher m = PKCS8_PEM.matcher(Files.readString(file, StandardCharsets.US_ASCII));
    if (!m.find()) {
      throw new IOException(
          file + " is not a PKCS#8 PEM private key; remove " + file.getParent() + " to start over");
    }
    try {
      return KeyFactory.getInstance("EC")
          .generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1))));
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " is not an EC private key: " + e.getMessage(), e);
    }
  }
}
