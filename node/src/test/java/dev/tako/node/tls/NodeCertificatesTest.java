package dev.tako.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.tako.proxy.tls.CertifiedKey;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The certificate manager against a real ACME CA (Pebble on loopback). A small HTTP server stands
 * in for the proxy's plain port: it answers the CA's HTTP-01 requests from the manager, but only
 * for hosts the test calls reachable, so a test can make validation fail.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeCertificatesTest {
  static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path tmp;
  PebbleServer pebble;
  HttpServer port80;
  final Set<String> reachable = ConcurrentHashMap.newKeySet();
  volatile NodeCertificates current;
  final TestCertificates.SelfSigned fallback = new TestCertificates.SelfSigned();

  @BeforeAll
  void startCa() throws Exception {
    port80 = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    port80.createContext(
        "/.well-known/acme-challenge/",
        exchange -> {
          String host = exchange.getRequestHeaders().getFirst("Host").replaceFirst(":\\d+$", "");
          String token =
              exchange.getRequestURI().getPath().substring("/.well-known/acme-challenge/".length());
          NodeCertificates certs = current;
          String answer =
              certs != null && reachable.contains(host) ? certs.keyAuthorization(token) : null;
          byte[] body = (answer == null ? "not found" : answer).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(answer == null ? 404 : 200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    port80.start();
    pebble = PebbleServer.start(tmp.resolve("pebble"), port80.getAddress().getPort());
  }

  @AfterAll
  void stopCa() throws Exception {
    if (pebble != null) {
      pebble.close();
    }
    port80.stop(0);
  }

  @AfterEach
  void closeManager() {
    if (current != null) {
      current.close();
    }
  }

  AcmeSettings settings() {
    return new AcmeSettings(
        Duration.ofDays(30),
        Duration.ofHours(12),
        Duration.ofMillis(200),
        Duration.ofSeconds(1),
        Duration.ofSeconds(30),
        pebble.listenerCertificate());
  }

  NodeCertificates start(Path home) throws Exception {
    current = NodeCertificates.start(home, settings(), fallback);
    return current;
  }

  AcmeHost host(String name) {
    return new AcmeHost(name, false, "shop/production", pebble.directory(), "ops@shop.test");
  }

  CertifiedKey awaitIssued(NodeCertificates certs, String host) {
    try {
      return Awaitility.await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> certs.issued(host), k -> k != null && isPebbles(k));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(host + " got no certificate from Pebble", e);
    }
  }

  static boolean isPebbles(CertifiedKey key) {
    return key.leaf().getIssuerX500Principal().getName().contains("Pebble");
  }

  void assertChainsTo(CertifiedKey key, X509Certificate root) throws Exception {
    var path = CertificateFactory.getInstance("X.509").generateCertPath(key.chain());
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(path, params);
  }

  @Test
  void issuesCertificatesFromTheCaServesThemBySniAndKeepsThemAcrossARestart() throws Exception {
    Path home = tmp.resolve("home-issue");
    reachable.add("shop.localhost");
    NodeCertificates certs = start(home);
    certs.want(
        List.of(
            host("shop.localhost"),
            new AcmeHost("wild.localhost", true, "shop/production", pebble.directory(), null)));

    CertifiedKey issued = awaitIssued(certs, "shop.localhost");
    assertEquals(issued, certs.select("shop.localhost"));
    assertChainsTo(issued, pebble.root());
    assertTrue(issued.chain().size() >= 2, "the chain includes the intermediate");
    // Hosts without an issued certificate, wildcard hosts included, get the fallback.
    assertEquals(fallback.select("other.localhost"), certs.select("other.localhost"));
    assertEquals(fallback.select("a.wild.localhost"), certs.select("a.wild.localhost"));
    assertEquals(fallback.select(null), certs.select(null));
    assertNull(certs.keyAuthorization("no-such-token"));

    Path dir = home.resolve("certs/shop.localhost");
    assertEquals("rw-------", perms(dir.resolve("key.pem")));
    assertTrue(Files.readString(dir.resolve("chain.pem")).contains("BEGIN CERTIFICATE"));
    assertEquals("rw-------", perms(home.resolve("acme/account.key")));
    certs.awaitIdle();
    assertEquals(1, certs.ordersStarted());

    // A restart serves the stored certificate and orders nothing.
    certs.close();
    NodeCertificates again = start(home);
    again.want(List.of(host("shop.localhost")));
    again.awaitIdle();
    assertEquals(0, again.ordersStarted());
    assertEquals(
        issued.leaf().getSerialNumber(), again.select("shop.localhost").leaf().getSerialNumber());
    assertEquals(issued.key(), again.select("shop.localhost").key());
  }

  @Test
  void aFailedOrderIsRetriedWithBackoffWhileTheFallbackServes() throws Exception {
    NodeCertificates certs = start(tmp.resolve("home-retry"));
    certs.want(List.of(host("late.localhost")));
    Awaitility.await().atMost(WAIT).until(() -> certs.ordersStarted() >= 2);
    assertNull(certs.issued("late.localhost"));
    assertEquals(fallback.select("late.localhost"), certs.select("late.localhost"));

    // Port 80 becomes reachable (DNS fixed): the next retry gets the certificate.
    reachable.add("late.localhost");
    awaitIssued(certs, "late.localhost");
    assertTrue(isPebbles(certs.select("late.localhost")));
  }

  @Test
  void aStoredCertificateThatIsDueIsRenewedAndAHostNoLongerWantedIsNotOrdered() throws Exception {
    Path home = tmp.resolve("home-renew");
    KeyPair key = CertificateStore.newKeyPair();
    X509Certificate expiring =
        TestCertificates.selfSigned(
            key,
            "renew.localhost",
            Instant.now().minus(Duration.ofDays(80)),
            Instant.now().plus(Duration.ofDays(10)));
    new CertificateStore(home).save("renew.localhost", key, List.of(expiring));
    reachable.add("renew.localhost");

    NodeCertificates certs = start(home);
    certs.want(List.of());
    certs.awaitIdle();
    // Loaded and served while nobody wants it renewed.
    assertEquals(expiring, certs.select("renew.localhost").leaf());
    assertEquals(0, certs.ordersStarted());

    certs.want(List.of(host("renew.localhost")));
    CertifiedKey renewed = awaitIssued(certs, "renew.localhost");
    assertNotEquals(key.getPrivate(), renewed.key(), "a renewal uses a fresh key");
    assertEquals(
        renewed.leaf(),
        new CertificateStore(home).loadAll().get("renew.localhost").leaf(),
        "the renewed certificate is stored");
  }

  static String perms(Path file) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
  }
}
