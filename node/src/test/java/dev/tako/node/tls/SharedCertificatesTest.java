package dev.tako.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.sun.net.httpserver.HttpServer;
import dev.tako.proxy.tls.CertifiedKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate managers of several nodes against a real ACME CA (Pebble on loopback), joined by an
 * in-process {@link CertificatePeers} that calls the other managers' {@link CertificateExchange}
 * side directly, as their NodeAgents would. The CA validates on "la"'s port only (the stand-in port
 * answers from la's manager), so an order by "nyc" passes only if nyc shared the challenge.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedCertificatesTest {
  static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path tmp;
  PebbleServer pebble;
  HttpServer port80;

  /** The nodes of the current test, by server; the CA's requests reach "la". */
  final Map<String, NodeCertificates> nodes = new ConcurrentHashMap<>();

  /** Servers that count as up but never acknowledge anything (a node hanging). */
  final Set<String> silent = ConcurrentHashMap.newKeySet();

  final TestCertificates.SelfSigned fallback = new TestCertificates.SelfSigned();

  @BeforeAll
  void startCa() throws Exception {
    port80 = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    port80.createContext(
        "/.well-known/acme-challenge/",
        exchange -> {
          String token =
              exchange.getRequestURI().getPath().substring("/.well-known/acme-challenge/".length());
          NodeCertificates la = nodes.get("la");
          String answer = la == null ? null : la.keyAuthorization(token);
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
  void closeManagers() {
    nodes.values().forEach(NodeCertificates::close);
    nodes.clear();
    silent.clear();
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

  NodeCertificates start(String server, Path home) throws Exception {
    NodeCertificates certs =
        NodeCertificates.start(home, settings(), fallback, new LocalPeers(server));
    nodes.put(server, certs);
    return certs;
  }

  AcmeHost host(String name, String... servers) {
    return new AcmeHost(
        name, false, "shop/production", pebble.directory(), "ops@shop.test", List.of(servers));
  }

  CertifiedKey awaitIssued(NodeCertificates certs, String host) {
    return Awaitility.await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> certs.issued(host),
            k -> k != null && k.leaf().getIssuerX500Principal().getName().contains("Pebble"));
  }

  @Test
  void theFirstServerOrdersOnceWithTheChallengeSharedAndTheOtherServesTheSameCertificate()
      throws Exception {
    Path laHome = tmp.resolve("one-la");
    NodeCertificates nyc = start("nyc", tmp.resolve("one-nyc"));
    NodeCertificates la = start("la", laHome);
    AcmeHost shop = host("one.localhost", "nyc", "la");
    la.want(List.of(shop));
    nyc.want(List.of(shop));

    CertifiedKey atNyc = awaitIssued(nyc, "one.localhost");
    CertifiedKey atLa = awaitIssued(la, "one.localhost");
    assertEquals(atNyc.leaf(), atLa.leaf());
    assertEquals(atNyc.key(), atLa.key());
    assertEquals(atNyc.leaf(), la.select("one.localhost").leaf());
    nyc.awaitIdle();
    la.awaitIdle();
    assertEquals(1, nyc.ordersStarted());
    assertEquals(0, la.ordersStarted());
    assertNull(la.keyAuthorization("any"), "challenges are withdrawn everywhere");
    Path key = laHome.resolve("certs/one.localhost/key.pem");
    assertEquals("rw-------", NodeCertificatesTest.perms(key));
    assertEquals(atNyc.leaf(), new CertificateStore(laHome).loadAll().get("one.localhost").leaf());

    // A node of the environment that starts without the certificate gets it from the orderer.
    la.close();
    NodeCertificates fresh = start("la", tmp.resolve("one-la-fresh"));
    fresh.want(List.of(shop));
    assertEquals(atNyc.leaf(), awaitIssued(fresh, "one.localhost").leaf());
    fresh.awaitIdle();
    assertEquals(0, fresh.ordersStarted());
    assertEquals(1, nyc.ordersStarted());
  }

  @Test
  void anOrdererAskedForAHostItDoesNotServeYetOrdersItForTheAsker() throws Exception {
    NodeCertificates nyc = start("nyc", tmp.resolve("asked-nyc"));
    NodeCertificates la = start("la", tmp.resolve("asked-la"));
    nyc.want(List.of());
    // la runs a release whose list puts nyc first; nyc has not switched to it yet.
    la.want(List.of(host("asked.localhost", "nyc", "la")));

    CertifiedKey atLa = awaitIssued(la, "asked.localhost");
    assertEquals(atLa.leaf(), nyc.issued("asked.localhost").leaf());
    nyc.awaitIdle();
    la.awaitIdle();
    assertEquals(1, nyc.ordersStarted());
    assertEquals(0, la.ordersStarted());
  }

  @Test
  void aNodeThatDoesNotAcknowledgeTheChallengeDoesNotStopTheOrder() throws Exception {
    silent.add("fra");
    NodeCertificates nyc = start("nyc", tmp.resolve("silent-nyc"));
    NodeCertificates la = start("la", tmp.resolve("silent-la"));
    AcmeHost shop = host("silent.localhost", "nyc", "la");
    nyc.want(List.of(shop));
    la.want(List.of(shop));
    assertEquals(
        awaitIssued(nyc, "silent.localhost").leaf(), awaitIssued(la, "silent.localhost").leaf());
    nyc.awaitIdle();
    assertEquals(1, nyc.ordersStarted());
  }

  @Test
  void whileTheFirstServerIsDownTheNextOneOrdersAndTheFirstTakesACopyWhenItIsBack()
      throws Exception {
    NodeCertificates la = start("la", tmp.resolve("down-la"));
    AcmeHost down = host("down.localhost", "nyc", "la");
    la.want(List.of(down));
    CertifiedKey atLa = awaitIssued(la, "down.localhost");
    la.awaitIdle();
    assertEquals(1, la.ordersStarted());

    // nyc is back and orders again from now on, but first looks for a copy: no second order.
    NodeCertificates nyc = start("nyc", tmp.resolve("down-nyc"));
    nyc.want(List.of(down));
    assertEquals(atLa.leaf(), awaitIssued(nyc, "down.localhost").leaf());
    nyc.awaitIdle();
    assertEquals(0, nyc.ordersStarted());
  }

  /** The managers in {@link #nodes}, reached directly; a server not among them is down. */
  final class LocalPeers implements CertificatePeers {
    private final String self;

    LocalPeers(String self) {
      this.self = self;
    }

    @Override
    public String self() {
      return self;
    }

    @Override
    public boolean joined() {
      return true;
    }

    @Override
    public Set<String> up() {
      Set<String> out = new TreeSet<>(nodes.keySet());
      out.addAll(silent);
      out.remove(self);
      return out;
    }

    @Override
    public CompletionStage<Set<String>> publishChallenge(
        Set<String> servers, String token, String keyAuthorization) {
      List<String> acked = new ArrayList<>();
      for (String s : servers) {
        NodeCertificates n = nodes.get(s);
        if (n != null) {
          n.challengePublished(token, keyAuthorization, self);
          acked.add(s);
        }
      }
      return CompletableFuture.completedFuture(Set.copyOf(acked));
    }

    @Override
    public void withdrawChallenge(Set<String> servers, String token) {
      for (String s : servers) {
        NodeCertificates n = nodes.get(s);
        if (n != null) {
          n.challengeWithdrawn(token);
        }
      }
    }

    @Override
    public CompletionStage<SharedCertificate> fetch(
        String server, AcmeHost host, boolean orderIfMissing) {
      NodeCertificates n = nodes.get(server);
      return n == null
          ? CompletableFuture.failedFuture(new IllegalStateException(server + " is down"))
          : CompletableFuture.supplyAsync(() -> n.requested(host, self, orderIfMissing));
    }

    @Override
    public CompletionStage<Boolean> deliver(String server, SharedCertificate certificate) {
      NodeCertificates n = nodes.get(server);
      if (n == null) {
        return CompletableFuture.failedFuture(new IllegalStateException(server + " is down"));
      }
      return CompletableFuture.supplyAsync(
          () -> {
            try {
              return n.receive(certificate, self);
            } catch (IOException e) {
              throw new CompletionException(e);
            }
          });
    }
  }
}
