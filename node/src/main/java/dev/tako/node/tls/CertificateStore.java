package dev.tako.node.tls;

import dev.tako.protocol.RoutePattern;
import dev.tako.proxy.tls.CertifiedKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issued certificates and the ACME account key in the node home:
 *
 * <pre>
 * &lt;home&gt;/certs/&lt;host&gt;/key.pem    the certificate's private key (0600)
 * &lt;home&gt;/certs/&lt;host&gt;/chain.pem  leaf first, then intermediates
 * &lt;home&gt;/acme/account.key          this node's ACME account key (0600), one for every CA
 * </pre>
 *
 * Files are written to a temporary name and renamed, the key before the chain; a directory whose
 * key does not match its chain's leaf (a crash between the two) or that cannot be read is skipped
 * with a warning at load, so a host that wants a certificate simply gets a new one.
 */
public final class CertificateStore {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateStore.class);

  private final Path certs;
  private final Path acme;

  public CertificateStore(Path home) {
    this.certs = home.resolve("certs");
    this.acme = home.resolve("acme");
  }

  /** The directory of one host's files. */
  public Path dir(String host) {
    return certs.resolve(checkedHost(host));
  }

  /** Every stored certificate that can be used, by host. */
  public Map<String, CertifiedKey> loadAll() {
    Map<String, CertifiedKey> out = new TreeMap<>();
    if (!Files.isDirectory(certs)) {
      return out;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(certs, Files::isDirectory)) {
      for (Path dir : dirs) {
        String host = dir.getFileName().toString();
        try {
          checkedHost(host);
          out.put(host, load(dir));
        } catch (java.nio.file.NoSuchFileException e) {
          LOG.warn("ignoring {}: {} is missing", dir, e.getFile());
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
          LOG.warn("ignoring the certificate in {}: {}", dir, e.getMessage());
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", certs, e.getMessage());
    }
    return out;
  }

  private static CertifiedKey load(Path dir) throws IOException, GeneralSecurityException {
    PrivateKey key = privateKey(Files.readString(dir.resolve("key.pem")));
    List<X509Certificate> chain = readChain(Files.readAllBytes(dir.resolve("chain.pem")));
    if (chain.isEmpty()) {
      throw new IOException("chain.pem holds no certificate");
    }
    if (!belongTogether(key, chain.get(0).getPublicKey())) {
      throw new IOException("key.pem does not belong to the certificate in chain.pem");
    }
    return new CertifiedKey(key, chain);
  }

  /**
   * A key and chain received in PEM (from another node), checked: the key belongs to the leaf and
   * the leaf names {@code host} among its DNS names.
   *
   * @throws IOException what does not fit
   */
  public static CertifiedKey parse(String host, String keyPem, String chainPem)
      throws IOException, GeneralSecurityException {
    PrivateKey key = privateKey(keyPem);
    List<X509Certificate> chain = readChain(chainPem.getBytes(StandardCharsets.US_ASCII));
    if (chain.isEmpty()) {
      throw new IOException("the chain holds no certificate");
    }
    if (!belongTogether(key, chain.get(0).getPublicKey())) {
      throw new IOException("the key does not belong to the certificate");
    }
    boolean names = false;
    var sans = chain.get(0).getSubjectAlternativeNames();
    if (sans != null) {
      for (List<?> san : sans) {
        names |=
            Integer.valueOf(2).equals(san.get(0)) && host.equalsIgnoreCase((String) san.get(1));
      }
    }
    if (!names) {
      throw new IOException("the certificate does not name " + host);
    }
    return new CertifiedKey(key, chain);
  }

  /** Whether a signature by the private key verifies with the public one. */
  private static boolean belongTogether(PrivateKey key, PublicKey pub)
      throws GeneralSecurityException {
    if (!key.getAlgorithm().equals(pub.getAlgorithm())) {
      return false;
    }
    String alg = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] probe = "tako".getBytes(StandardCharsets.US_ASCII);
    Signature sign = Signature.getInstance(alg);
    sign.initSign(key);
    sign.update(probe);
    byte[] signature = sign.sign();
    Signature verify = Signature.getInstance(alg);
    verify.initVerify(pub);
    verify.update(probe);
    return verify.verify(signature);
  }

  /**
   * Stores a host's new key and chain, replacing the old ones.
   *
   * @return what to serve from now on
   */
  public CertifiedKey save(String host, KeyPair key, List<X509Certificate> chain)
      throws IOException {
    return save(host, new CertifiedKey(key.getPrivate(), chain));
  }

  /**
   * Stores a host's key and chain (issued here or received from the node that ordered it),
   * replacing the old ones; one writer at a time.
   *
   * @return {@code key}
   */
  public synchronized CertifiedKey save(String host, CertifiedKey key) throws IOException {
    List<X509Certificate> chain = key.chain();
    Path dir = dir(host);
    createPrivateDir(dir);
    writeAtomically(dir.resolve("key.pem"), pem("PRIVATE KEY", key.key().getEncoded()), true);
    StringBuilder chainPem = new StringBuilder();
    for (X509Certificate c : chain) {
      try {
        chainPem.append(pem("CERTIFICATE", c.getEncoded()));
      } catch (java.security.cert.CertificateEncodingException e) {
        throw new IOException("cannot encode the certificate of " + host, e);
      }
    }
    writeAtomically(dir.resolve("chain.pem"), chainPem.toString(), false);
    return key;
  }

  /**
   * This node's ACME account key pair, made (EC P-256) and stored 0600 at first use: a PKCS#8
   * private key and its public key, PEM.
   */
  public KeyPair accountKey() throws IOException {
    Path file = acme.resolve("account.key");
    if (Files.isRegularFile(file)) {
      String text = Files.readString(file);
      try {
        PublicKey pub =
            KeyFactory.getInstance("EC")
                .generatePublic(new X509EncodedKeySpec(pemBlock(text, "PUBLIC KEY")));
        return new KeyPair(pub, privateKey(text));
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        throw new IOException(
            file
                + " is not an ACME account key ("
                + e.getMessage()
                + "); move it away to make a new one",
            e);
      }
    }
    createPrivateDir(acme);
    KeyPair key = newKeyPair();
    writeAtomically(
        file,
        pem("PRIVATE KEY", key.getPrivate().getEncoded())
            + pem("PUBLIC KEY", key.getPublic().getEncoded()),
        true);
    return key;
  }

  private static PrivateKey privateKey(String pem) throws GeneralSecurityException {
    byte[] der = pemBlock(pem, "PRIVATE KEY");
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    try {
      return KeyFactory.getInstance("EC").generatePrivate(spec);
    } catch (java.security.spec.InvalidKeySpecException notEc) {
      return KeyFactory.getInstance("RSA").generatePrivate(spec);
    }
  }

  /** The DER bytes of the first PEM block of a type, e.g. "PRIVATE KEY". */
  static byte[] pemBlock(String pem, String type) {
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int from = pem.indexOf(begin);
    int to = from < 0 ? -1 : pem.indexOf(end, from);
    if (to < 0) {
      throw new IllegalArgumentException("no " + type + " in PEM");
    }
    return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
  }

  /** One PEM block, 64 characters a line. */
  public static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /** A fresh EC P-256 key pair (the JDK's provider, so the TLS stack uses it as is). */
  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java runtime has EC P-256", e);
    }
  }

  /** Reads the certificates of a PEM (or DER) file, in file order. */
  public static List<X509Certificate> readChain(byte[] pem) throws GeneralSecurityException {
    List<X509Certificate> out = new ArrayList<>();
    for (var c :
        CertificateFactory.getInstance("X.509")
            .generateCertificates(new ByteArrayInputStream(pem))) {
      out.add((X509Certificate) c);
    }
    return out;
  }

  private static String checkedHost(String host) {
    RoutePattern p = RoutePattern.parse(host);
    if (p.wildcard() || !p.pathPrefix().isEmpty() || !p.host().equals(host)) {
      throw new IllegalArgumentException("not a lower-case host name: " + host);
    }
    return host;
  }

  private static void createPrivateDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
  }

  private static void writeAtomically(Path file, String text, boolean ownerOnly)
      throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp,
        PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString(ownerOnly ? "rw-------" : "rw-r--r--")));
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
