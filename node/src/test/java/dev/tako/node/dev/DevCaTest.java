package dev.tako.node.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.protocol.tls.CaFiles;
import dev.tako.proxy.tls.CertifiedKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevCaTest {
  @TempDir Path dir;

  /** The CA as tako dev sees it: created by the CLI's side (CaFiles), loaded by the proxy. */
  static DevCa loadOrCreate(Path caDir) throws IOException {
    return loadOrCreate(caDir, Clock.systemUTC());
  }

  private static DevCa loadOrCreate(Path caDir, Clock clock) throws IOException {
    CaFiles.loadOrCreate(caDir, CaFiles.DEV, clock);
    return DevCa.load(caDir, clock);
  }

  @Test
  void createsTheCaOnceWithPrivateFilesAndLoadsTheSameAfterwards() throws Exception {
    Path caDir = dir.resolve("home/ca");
    DevCa created = loadOrCreate(caDir);

    assertEquals("rwx------", perms(caDir));
    assertEquals("rw-------", perms(caDir.resolve("ca.key")));
    X509Certificate ca = created.certificate();
    assertTrue(ca.getBasicConstraints() >= 0, "a CA certificate");
    assertTrue(ca.getSubjectX500Principal().getName().contains("Tako dev CA"));
    assertTrue(ca.getPublicKey() instanceof ECPublicKey);
    assertEquals(caDir.resolve("ca.crt"), created.certFile());

    DevCa loaded = loadOrCreate(caDir);
    assertEquals(ca, loaded.certificate());
    // The reloaded key still signs leaves the same CA certificate verifies.
    validate(loaded.select("app.localhost").chain(), ca);
  }

  @Test
  void anIncompleteCaIsReportedNotReplaced() throws Exception {
    Path caDir = dir.resolve("ca");
    loadOrCreate(caDir);
    Files.delete(caDir.resolve("ca.crt"));
    IOException e = assertThrows(IOException.class, () -> loadOrCreate(caDir));
    assertTrue(e.getMessage().contains("ca.crt is missing"), e.getMessage());
    assertTrue(Files.exists(caDir.resolve("ca.key")));
  }

  @Test
  void aLeafNamesExactlyTheSniHostAndChainsToTheCa() throws Exception {
    DevCa ca = loadOrCreate(dir.resolve("ca"));
    CertifiedKey key = ca.select("App.Localhost");
    X509Certificate leaf = key.leaf();

    validate(key.chain(), ca.certificate());
    assertEquals(List.of("app.localhost"), dnsNames(leaf));
    assertEquals(-1, leaf.getBasicConstraints(), "not a CA");
    assertTrue(leaf.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "serverAuth");
    assertTrue(leaf.getPublicKey() instanceof ECPublicKey);
    assertEquals(
        256, ((ECPublicKey) leaf.getPublicKey()).getParams().getCurve().getField().getFieldSize());
    long days = Duration.between(Instant.now(), leaf.getNotAfter().toInstant()).toDays();
    assertTrue(days >= 29 && days <= 30, "valid about 30 days: " + days);
    assertEquals(ca.certificate(), key.chain().get(1));
  }

  @Test
  void leavesAreCachedPerHostAndNoSniGetsLocalhostWithLoopbackAddresses() throws Exception {
    DevCa ca = loadOrCreate(dir.resolve("ca"));
    CertifiedKey a = ca.select("a.localhost");
    assertSame(a, ca.select("a.localhost"));
    assertNotSame(a, ca.select("b.localhost"));

    X509Certificate none = ca.select(null).leaf();
    assertEquals(List.of("localhost"), dnsNames(none));
    Set<String> ips = Set.copyOf(ipAddresses(none));
    assertTrue(ips.contains("127.0.0.1") && ips.size() == 2, ips.toString());
    // Not a host name (an IP literal or garbage): the localhost leaf, never a leaf for it.
    assertEquals(List.of("localhost"), dnsNames(ca.select("bad_name!").leaf()));
  }

  @Test
  void aLeafIsIssuedAgainShortlyBeforeItExpires() throws Exception {
    MovableClock clock = new MovableClock(Instant.now());
    DevCa ca = loadOrCreate(dir.resolve("ca"), clock);
    CertifiedKey first = ca.select("app.localhost");

    clock.now = clock.now.plus(Duration.ofDays(28));
    assertSame(first, ca.select("app.localhost"), "still 2 days left");

    clock.now = clock.now.plus(Duration.ofHours(25));
    CertifiedKey renewed = ca.select("app.localhost");
    assertNotSame(first, renewed);
    assertTrue(renewed.leaf().getNotAfter().after(first.leaf().getNotAfter()));
  }

  @Test
  void aTlsClientTrustingOnlyTheCaVerifiesTheHostItAskedFor() throws Exception {
    DevCa ca = loadOrCreate(dir.resolve("ca"));
    SSLContext server = serving(ca.select("one.localhost"));
    try (SSLServerSocket listener =
        (SSLServerSocket)
            server
                .getServerSocketFactory()
                .createServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      CompletableFuture.runAsync(
          () -> {
            for (int i = 0; i < 2; i++) {
              try (Socket s = listener.accept()) {
                s.getOutputStream().write("hi".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                s.getInputStream().read();
              } catch (IOException e) {
                // the client reports
              }
            }
          });
      SSLContext client = trustingOnly(ca.certificate());
      assertEquals("CN=one.localhost", handshake(client, listener.getLocalPort(), "one.localhost"));
      // A leaf for one host is no good for another.
      assertThrows(
          SSLHandshakeException.class,
          () -> handshake(client, listener.getLocalPort(), "two.localhost"));
    }
  }

  @Test
  void theSpkiHashIsTheBase64Sha256OfTheCaPublicKey() throws Exception {
    DevCa ca = loadOrCreate(dir.resolve("ca"));
    byte[] der = ca.certificate().getPublicKey().getEncoded();
    byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(der);
    assertEquals(Base64.getEncoder().encodeToString(hash), ca.spkiSha256());
    assertEquals(44, ca.spkiSha256().length());
  }

  /** Connects to 127.0.0.1 as {@code host} (SNI) and verifies the certificate for it. */
  private static String handshake(SSLContext ctx, int port, String host) throws Exception {
    Socket plain = new Socket();
    plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, host, port, true)) {
      SSLParameters p = s.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS");
      p.setServerNames(List.of(new SNIHostName(host)));
      s.setSSLParameters(p);
      s.setSoTimeout(5000);
      s.startHandshake();
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      assertEquals('h', in.read());
      out.write('x');
      out.flush();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0])
          .getSubjectX500Principal()
          .getName();
    }
  }

  /** A server context presenting one leaf (SNI selection is tested through the dev proxy). */
  private static SSLContext serving(CertifiedKey key) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("leaf", key.key(), new char[0], key.chain().toArray(new X509Certificate[0]));
    javax.net.ssl.KeyManagerFactory kmf =
        javax.net.ssl.KeyManagerFactory.getInstance(
            javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

  static SSLContext trustingOnly(X509Certificate ca) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static void validate(List<X509Certificate> chain, X509Certificate ca) throws Exception {
    var path = CertificateFactory.getInstance("X.509").generateCertPath(chain.subList(0, 1));
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(path, params);
  }

  private static List<String> dnsNames(X509Certificate c) throws Exception {
    return names(c, 2);
  }

  private static List<String> ipAddresses(X509Certificate c) throws Exception {
    return names(c, 7);
  }

  private static List<String> names(X509Certificate c, int type) throws Exception {
    Collection<List<?>> all = c.getSubjectAlternativeNames();
    return all.stream()
        .filter(n -> (Integer) n.get(0) == type)
        .map(n -> String.valueOf(n.get(1)))
        .toList();
  }

  private static String perms(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static final class MovableClock extends Clock {
    Instant now;

    MovableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneId.of("UTC");
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
