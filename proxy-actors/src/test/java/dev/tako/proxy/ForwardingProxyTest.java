package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.tako.protocol.tls.CaCertificates;
import dev.tako.proxy.failover.Failover;
import dev.tako.proxy.failover.PeerDirectory;
import dev.tako.proxy.failover.PeerProxy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two proxies in one JVM as two nodes, la and nyc, with real TLS from a test cluster CA: la has no
 * ready instance and forwards to nyc's node-to-node listener; the visitor's forwarding headers
 * cross the hop, a forged hop header does not, a POST reaches the app once, a forwarded request is
 * never forwarded back, the app's Tako-Replay goes to the server it names, and the node-to-node
 * listener refuses a client without a certificate of the cluster CA.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class ForwardingProxyTest {
  @JUnit5TestKit public ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private static final String APP = "app/production";
  private static final String GONE = "gone/production";
  private static final String REPLAY = "replay/production";
  private static final String WS = "ws/production";
  private RawUpstream wsApp;

  private HttpServer nycApp;
  private HttpServer laApp;
  private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
  private TcpProxy.Binding laPlain;
  private TcpProxy.Binding nycPeer;
  private TcpProxy.Binding laPeer;
  private SSLContext cluster;
  private X509Certificate clusterCa;
  private ProxyMetrics metrics;

  /** The cluster CA and the nodes' context: RSA keys are slow to make, so once for the class. */
  private static X509Certificate sharedCa;

  private static SSLContext sharedCluster;

  @BeforeAll
  static void clusterCa() throws Exception {
    KeyPair caKeys = rsa();
    sharedCa = ca("test cluster CA", caKeys);
    sharedCluster = context(sharedCa, caKeys, sharedCa);
  }

  @BeforeEach
  void twoNodes() throws Exception {
    clusterCa = sharedCa;
    cluster = sharedCluster;
    nycApp = app("nyc", null);
    wsApp = new RawUpstream();
    laApp = app("la", "nyc");
    metrics = ProxyMetrics.get(testKit.system());

    RouteSnapshots nyc = new RouteSnapshots();
    nyc.publish(
        RouteSnapshot.of(
            Map.of(
                APP, new AppRoutes(List.of("app.test"), List.of(upstream(nycApp))),
                REPLAY, new AppRoutes(List.of("replay.test"), List.of(upstream(nycApp))),
                WS, new AppRoutes(List.of("ws.test"), List.of(wsApp.upstream())),
                GONE, new AppRoutes(List.of("gone.test"), List.of()))));
    nyc.failover(new Failover("nyc", "", () -> cluster, null));
    nycPeer = bind(nyc, new ProxyListener.Peer());

    RouteSnapshots la = new RouteSnapshots();
    la.publish(
        RouteSnapshot.of(
            Map.of(
                APP, new AppRoutes(List.of("app.test"), List.of()),
                REPLAY, new AppRoutes(List.of("replay.test"), List.of(upstream(laApp))),
                WS, new AppRoutes(List.of("ws.test"), List.of()),
                GONE, new AppRoutes(List.of("gone.test"), List.of()))));
    Failover laFailover = new Failover("la", "", () -> cluster, null);
    la.failover(laFailover);
    laPlain = bind(la, ProxyListener.PLAIN);
    laPeer = bind(la, new ProxyListener.Peer());
    // la believes nyc has every app (for GONE that is stale: nyc has no instance of it).
    laFailover.publish(
        PeerDirectory.of(
            Map.of(
                new PeerProxy("nyc", "nyc", "127.0.0.1", nycPeer.localAddress().getPort(), 1),
                Set.of(APP, GONE, WS))));
    // nyc believes la has GONE: a request nyc gets from la must still not go back.
    nyc.failover()
        .publish(
            PeerDirectory.of(
                Map.of(
                    new PeerProxy("la", "la", "127.0.0.1", laPeer.localAddress().getPort(), 1),
                    Set.of(GONE))));
  }

  @AfterEach
  void stop() throws Exception {
    for (TcpProxy.Binding b : List.of(laPlain, nycPeer, laPeer)) {
      b.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    nycApp.stop(0);
    laApp.stop(0);
    wsApp.close();
  }

  @Test
  void aRequestWithNoLocalInstanceIsAnsweredByThePeerWithTheVisitorsHeaders() throws Exception {
    for (int i = 1; i <= 3; i++) { // pooled: the same TLS connection serves the later ones
      String r =
          request(
              "GET /x HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-For: 203.0.113.7\r\n"
                  + "X-Request-ID: visitor-"
                  + i
                  + "\r\nTako-Hop: forged\r\nConnection: close\r\n\r\n");
      assertTrue(r.startsWith("HTTP/1.1 200"), r);
      assertTrue(r.endsWith("nyc|GET|203.0.113.7, 127.0.0.1|http|visitor-" + i + "|none|1|"), r);
      assertTrue(r.contains("X-Request-ID: visitor-" + i + "\r\n"), r);
    }
    assertEquals(3, metrics.forwarded(APP, "nyc"));
  }

  @Test
  void aForwardedPostReachesTheAppOnceWithItsBody() throws Exception {
    String r =
        request(
            "POST /orders HTTP/1.1\r\nHost: app.test\r\nX-Request-ID: post-1\r\n"
                + "Content-Length: 9\r\nConnection: close\r\n\r\none order");
    assertTrue(r.endsWith("nyc|POST|127.0.0.1|http|post-1|none|1|one order"), r);
    assertEquals(1, seen.get("post-1").get());
  }

  @Test
  void aForwardedRequestIsNeverForwardedAgain() throws Exception {
    String r = request("GET / HTTP/1.1\r\nHost: gone.test\r\nConnection: close\r\n\r\n");
    assertTrue(r.startsWith("HTTP/1.1 503"), r);
    assertEquals(1, metrics.forwarded(GONE, "nyc"));
    assertEquals(0, metrics.forwarded(GONE, "la"), "nyc sent it back to la");
  }

  @Test
  void takoReplaySendsTheSameRequestToTheNamedServer() throws Exception {
    String r =
        request(
            "PUT /r HTTP/1.1\r\nHost: replay.test\r\nX-Request-ID: replay-1\r\n"
                + "Content-Length: 4\r\nConnection: close\r\n\r\nbody");
    assertTrue(r.startsWith("HTTP/1.1 200"), r);
    assertTrue(r.endsWith("nyc|PUT|127.0.0.1|http|replay-1|none|2|body"), r);
    assertTrue(!r.toLowerCase().contains("tako-replay"), r);
    assertEquals(1, metrics.forwarded(REPLAY, "nyc"));
  }

  @Test
  void aWebSocketIsPipedThroughBothNodes() throws Exception {
    try (Socket s = new Socket("127.0.0.1", laPlain.localAddress().getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET /ws HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String head = RawUpstream.readHead(in);
      assertTrue(head.startsWith("HTTP/1.1 101"), head);
      for (String text : List.of("hello", "across two nodes")) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {1, 2, 3, 4};
        out.write(0x81);
        out.write(0x80 | payload.length);
        out.write(mask);
        for (int i = 0; i < payload.length; i++) {
          out.write(payload[i] ^ mask[i % 4]);
        }
        out.flush();
        assertEquals(0x81, in.read());
        int length = in.read();
        assertEquals(text, new String(in.readNBytes(length), StandardCharsets.UTF_8));
      }
    }
    assertEquals(1, metrics.forwarded(WS, "nyc"));
  }

  @Test
  void theNodeToNodeListenerRefusesAClientWithoutAClusterCertificate() throws Exception {
    KeyPair otherKeys = rsa();
    X509Certificate other = ca("another CA", otherKeys);
    // Trusts the cluster CA (so it would accept nyc), presents a certificate of another CA.
    SSLContext outsider = context(other, otherKeys, clusterCa);
    try (SSLSocket s =
        (SSLSocket)
            outsider
                .getSocketFactory()
                .createSocket("127.0.0.1", nycPeer.localAddress().getPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream()
          .write("GET /x HTTP/1.1\r\nHost: app.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      assertThrows(IOException.class, () -> readAll(s.getInputStream()));
    } catch (IOException refusedInHandshake) {
      // as good: no request of this client is read
    }
  }

  // ----- helpers

  private String request(String raw) throws IOException {
    try (Socket s = new Socket("127.0.0.1", laPlain.localAddress().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(raw.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      return readAll(s.getInputStream());
    }
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    String text = out.toString(StandardCharsets.ISO_8859_1);
    if (text.isEmpty()) {
      throw new IOException("no answer");
    }
    return text;
  }

  /**
   * An app answering {@code server|method|x-forwarded-for|x-forwarded-proto|x-request-id|tako-hop
   * or none|times this id was seen|body}; with {@code replayTo}, /r answers Tako-Replay.
   */
  private HttpServer app(String server, String replayTo) throws IOException {
    HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    app.createContext(
        "/",
        exchange -> {
          String id = String.valueOf(exchange.getRequestHeaders().getFirst("X-Request-ID"));
          int n = seen.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
          byte[] in = exchange.getRequestBody().readAllBytes();
          if (replayTo != null && exchange.getRequestURI().getPath().equals("/r")) {
            exchange.getResponseHeaders().add("Tako-Replay", replayTo);
          }
          String hop = exchange.getRequestHeaders().getFirst("Tako-Hop");
          byte[] body =
              String.join(
                      "|",
                      server,
                      exchange.getRequestMethod(),
                      String.valueOf(exchange.getRequestHeaders().getFirst("X-Forwarded-For")),
                      String.valueOf(exchange.getRequestHeaders().getFirst("X-Forwarded-Proto")),
                      id,
                      hop == null ? "none" : hop,
                      Integer.toString(n),
                      new String(in, StandardCharsets.UTF_8))
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    app.start();
    return app;
  }

  private static Upstream upstream(HttpServer app) {
    return new Upstream("127.0.0.1", app.getAddress().getPort());
  }

  private TcpProxy.Binding bind(RouteSnapshots routes, ProxyListener listener) throws Exception {
    return TcpProxy.bind(testKit.system(), "127.0.0.1", 0, routes, ProxySettings.DEFAULTS, listener)
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private static X509Certificate ca(String name, KeyPair keys) throws Exception {
    return CaCertificates.selfSignedCa(
        keys,
        new X500Name("CN=" + name),
        Instant.now().minusSeconds(3600),
        Instant.now().plus(Duration.ofDays(1)),
        "SHA256withRSA");
  }

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  /** A node's context: a certificate of {@code ca} (signed by its key), trusting {@code trust}. */
  private static SSLContext context(X509Certificate ca, KeyPair caKeys, X509Certificate trust)
      throws Exception {
    KeyManagerFactory kmf = keys(ca, caKeys);
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("ca", trust);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trusted);
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }

  private static KeyManagerFactory keys(X509Certificate ca, KeyPair caKeys) throws Exception {
    KeyPair node = rsa();
    X509Certificate cert =
        CaCertificates.sign(
            CaCertificates.leaf(
                ca,
                "tako-node",
                node.getPublic(),
                Instant.now().minusSeconds(3600),
                Instant.now().plus(Duration.ofDays(1))),
            caKeys.getPrivate(),
            "SHA256withRSA");
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("node", node.getPrivate(), new char[0], new X509Certificate[] {cert, ca});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, new char[0]);
    return kmf;
  }
}
