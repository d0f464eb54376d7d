package dev.tako.cli.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterCaTest {

  @TempDir Path dir;

  @Test
  void createsTheCaOnceWithPrivateFilesAndLoadsItAfterwards() throws Exception {
    Path caDir = dir.resolve("tako/cluster-ca");
    ClusterCa created = ClusterCa.loadOrCreate(caDir);

    assertEquals("rwx------", perms(caDir));
    assertEquals("rw-------", perms(caDir.resolve("ca.key")));
    assertTrue(Files.readString(caDir.resolve("ca.key")).startsWith("-----BEGIN PRIVATE KEY-----"));
    assertEquals(created.caCertPem(), Files.readString(caDir.resolve("ca.crt")));
    X509Certificate ca = created.caCertificate();
    assertTrue(ca.getBasicConstraints() >= 0, "a CA certificate");
    assertTrue(ca.getNotAfter().getTime() - System.currentTimeMillis() > 9L * 365 * 86_400_000);

    ClusterCa loaded = ClusterCa.loadOrCreate(caDir);
    assertEquals(ca, loaded.caCertificate());
  }

  @Test
  void aNodeCertificateVerifiesAgainstItsCaAndNotAnother() throws Exception {
    ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("a"));
    ClusterCa other = ClusterCa.loadOrCreate(dir.resolve("b"));
    NodeCredentials la = ca.issue("la");

    X509Certificate cert = ClusterCa.parseCertificate(la.certPem());
    assertEquals(ca.caCertPem(), la.caCertPem());
    assertEquals("CN=tako-node", cert.getSubjectX500Principal().getName());
    assertEquals(List.of(List.of(2, "tako-node")), List.copyOf(cert.getSubjectAlternativeNames()));
    assertEquals(2048, ((RSAPublicKey) cert.getPublicKey()).getModulus().bitLength());
    assertTrue(cert.getNotAfter().getTime() - System.currentTimeMillis() > 4L * 365 * 86_400_000);
    assertTrue(cert.getNotAfter().getTime() - System.currentTimeMillis() < 6L * 365 * 86_400_000);

    validate(cert, ca.caCertificate());
    assertThrows(CertPathValidatorException.class, () -> validate(cert, other.caCertificate()));

    NodeCredentials nyc = ca.issue("nyc");
    X509Certificate nycCert = ClusterCa.parseCertificate(nyc.certPem());
    assertEquals(cert.getSubjectX500Principal(), nycCert.getSubjectX500Principal());
    assertNotEquals(cert.getSerialNumber(), nycCert.getSerialNumber());
    assertNotEquals(cert.getPublicKey(), nycCert.getPublicKey());
  }

  @Test
  void theKeyPemIsPkcs8RsaMatchingTheCertificate() throws Exception {
    NodeCredentials c = ClusterCa.loadOrCreate(dir.resolve("ca")).issue("la");
    assertTrue(
        c.keyPem().startsWith("-----BEGIN PRIVATE KEY-----\n"),
        "PKCS#8, read by Pekko's DERPrivateKeyLoader");
    PrivateKey key = readKey(c.keyPem());
    assertEquals("RSA", key.getAlgorithm());
    assertEquals(
        ((RSAPublicKey) ClusterCa.parseCertificate(c.certPem()).getPublicKey()).getModulus(),
        ((java.security.interfaces.RSAPrivateCrtKey) key).getModulus());
    assertTrue(!c.toString().contains("PRIVATE"), "toString never shows the key");
  }

  /** Mutual TLS exactly as Pekko's RotatingKeysSSLEngineProvider sets it up, without Pekko. */
  @Test
  void nodesOfOneCaCompleteAMutualTlsHandshakeAndAStrangerFails() throws Exception {
    ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("a"));
    ClusterCa stranger = ClusterCa.loadOrCreate(dir.resolve("b"));
    SSLContext server = context(ca.issue("la"));

    assertEquals("pong", handshake(server, context(ca.issue("nyc"))));
    assertThrows(IOException.class, () -> handshake(server, context(stranger.issue("evil"))));
  }

  @Test
  void anIncompleteCaIsReportedNotReplaced() throws Exception {
    Path caDir = dir.resolve("ca");
    ClusterCa.loadOrCreate(caDir);
    Files.delete(caDir.resolve("ca.crt"));
    IOException e = assertThrows(IOException.class, () -> ClusterCa.loadOrCreate(caDir));
    assertTrue(e.getMessage().contains("ca.crt is missing"), e.getMessage());
    assertTrue(Files.exists(caDir.resolve("ca.key")));
  }

  private static String handshake(SSLContext serverCtx, SSLContext clientCtx) throws Exception {
    try (SSLServerSocket listener =
        (SSLServerSocket)
            serverCtx
                .getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      configure(listener);
      listener.setNeedClientAuth(true);
      listener.setSoTimeout(10_000);
      CompletableFuture<Void> served =
          CompletableFuture.runAsync(
              () -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                  s.setSoTimeout(10_000);
                  InputStream in = s.getInputStream();
                  byte[] ping = in.readNBytes(4);
                  if (new String(ping, StandardCharsets.US_ASCII).equals("ping")) {
                    s.getOutputStream().write("pong".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                  }
                } catch (IOException e) {
                  // the client side reports the failed handshake
                }
              });
      try (SSLSocket client =
          (SSLSocket)
              clientCtx
                  .getSocketFactory()
                  .createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
        client.setEnabledProtocols(new String[] {"TLSv1.3"});
        client.setEnabledCipherSuites(
            new String[] {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"});
        client.setSoTimeout(10_000);
        client.startHandshake();
        OutputStream out = client.getOutputStream();
        out.write("ping".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        byte[] reply = client.getInputStream().readNBytes(4);
        if (reply.length < 4) {
          throw new IOException("the server closed the connection: handshake refused");
        }
        return new String(reply, StandardCharsets.US_ASCII);
      } finally {
        served.get(15, TimeUnit.SECONDS);
      }
    }
  }

  private static void configure(SSLServerSocket s) {
    s.setEnabledProtocols(new String[] {"TLSv1.3"});
    s.setEnabledCipherSuites(new String[] {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"});
  }

  /** Key and trust managers built the way PemManagersProvider builds them. */
  private static SSLContext context(NodeCredentials c) throws Exception {
    X509Certificate cert = ClusterCa.parseCertificate(c.certPem());
    X509Certificate caCert = ClusterCa.parseCertificate(c.caCertPem());
    KeyStore keys = KeyStore.getInstance("JKS");
    keys.load(null);
    keys.setCertificateEntry("cert", cert);
    keys.setCertificateEntry("cacert", caCert);
    keys.setKeyEntry(
        "private-key",
        readKey(c.keyPem()),
        "changeit".toCharArray(),
        new X509Certificate[] {cert, caCert});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "changeit".toCharArray());
    KeyStore trust = KeyStore.getInstance("JKS");
    trust.load(null);
    trust.setCertificateEntry("cacert", caCert);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }

  /** What Pekko's DERPrivateKeyLoader does with a "PRIVATE KEY" PEM block. */
  private static PrivateKey readKey(String pem) throws Exception {
    String body =
        pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "");
    byte[] der = Base64.getMimeDecoder().decode(body.strip());
    return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
  }

  private static void validate(X509Certificate cert, X509Certificate anchor) throws Exception {
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(cert)), params);
  }

  private static String perms(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
