package dev.tako.node.dev;

import dev.tako.protocol.tls.CaCertificates;
import dev.tako.protocol.tls.CaFiles;
import dev.tako.proxy.tls.CertificateSource;
import dev.tako.proxy.tls.CertifiedKey;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;

/**
 * The local development CA of {@code tako dev} (SPEC §8) as the dev proxy uses it: loaded from
 * {@code $TAKO_HOME/ca/} ({@code ca.crt}, {@code ca.key}), which the CLI creates on first use
 * ({@link CaFiles#DEV}) and {@code tako dev trust} adds to the trust stores.
 *
 * <p>As a {@link CertificateSource} it issues, on the fly, one leaf certificate per host name a
 * browser asks for (SNI): an EC P-256 key, the host as its only DNS name, valid {@link
 * #LEAF_VALIDITY}. Issuing takes about a millisecond, so it runs on the proxy's event loop; leaves
 * are cached (at most {@link #CACHE_SIZE} hosts, least recently used dropped) and issued again
 * shortly before they expire. A handshake without SNI, or with a name that is not a host name, gets
 * the leaf for {@code localhost} (DNS {@code localhost}, IP 127.0.0.1 and ::1).
 *
 * <p>Failure: a missing, half-present or unreadable CA fails {@link #load} with an {@link
 * IOException} saying what to remove; issuing cannot fail except for a broken JVM (then {@link
 * IllegalStateException}).
 */
public final class DevCa implements CertificateSource {
  static final Duration LEAF_VALIDITY = Duration.ofDays(30);

  /** A cached leaf is issued again when it has less than this left. */
  static final Duration RENEW_BEFORE = Duration.ofDays(1);

  static final int CACHE_SIZE = 512;
  private static final Duration BACKDATE = Duration.ofHours(1);
  private static final Pattern HOST =
      Pattern.compile(
          "([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

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

  private DevCa(CaFiles.Ca ca, Clock clock) {
    this.caKey = ca.key();
    this.caCert = ca.certificate();
    this.certFile = ca.certFile();
    this.clock = clock;
  }

  /** Loads the CA of {@code dir} ({@code $TAKO_HOME/ca}), made by the CLI. */
  public static DevCa load(Path dir) throws IOException {
    return load(dir, Clock.systemUTC());
  }

  static DevCa load(Path dir, Clock clock) throws IOException {
    return new DevCa(CaFiles.load(dir, CaFiles.DEV), clock);
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
      X509Certificate cert = CaCertificates.sign(b, caKey, CaFiles.DEV.signature());
      return new CertifiedKey(leaf.getPrivate(), List.of(cert, caCert));
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot issue a dev certificate for " + host + ": " + e.getMessage(), e);
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new IllegalStateException("cannot sign with the dev CA: " + e.getMessage(), e);
    }
  }

  private static KeyPair ecKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }
}
