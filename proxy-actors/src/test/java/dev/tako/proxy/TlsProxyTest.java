package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.tako.proxy.tls.AcmeChallenges;
import dev.tako.proxy.tls.SelfSignedCertificates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * HTTPS termination by {@link TcpProxy} with real TLS clients (JDK SSLSocket with SNI, trusting
 * only the certificate the proxy is expected to present), and the plain port's redirect to HTTPS
 * and ACME challenge answers.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsProxyTest {
  @JUnit5TestKit public ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private final ExecutorService upstreamThreads = Executors.newCachedThreadPool();
  private final SelfSignedCertificates certificates = new SelfSignedCertificates();
  private HttpServer upstream;
  private final List<ServerSocket> rawServers = new java.util.ArrayList<>();
  private TcpProxy.Binding https;
  private TcpProxy.Binding http;

  @BeforeAll
  void start() throws Exception {
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    upstream.setExecutor(upstreamThreads);
    upstream.createContext(
        "/",
        exchange -> {
          try (exchange) {
            byte[] in = exchange.getRequestBody().readAllBytes();
            StringBuilder text = new StringBuilder();
            text.append("path=").append(exchange.getRequestURI()).append('\n');
            exchange
                .getRequestHeaders()
                .forEach(
                    (k, v) ->
                        text.append(k.toLowerCase(Locale.ROOT))
                            .append(": ")
                            .append(v.get(0))
                            .append('\n'));
            byte[] body = in.length > 0 ? in : text.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
          }
        });
    upstream.start();
    Upstream app = new Upstream("127.0.0.1", upstream.getAddress().getPort());
    RouteSnapshots holder = new RouteSnapshots();
    ActorRef<RouteTable.Command> table = testKit.spawn(RouteTable.create(holder));
    table.tell(
        new RouteTable.SetApp("shop", List.of("shop.test"), List.of(app), false, 0, true, null));
    table.tell(new RouteTable.SetApp("plain", List.of("plain.test"), List.of(app)));
    table.tell(new RouteTable.SetApp("eof", List.of("eof.test"), List.of(untilClose())));
    TestProbe<RouteSnapshot> probe = testKit.createTestProbe();
    table.tell(new RouteTable.Get(probe.getRef()));
    assertEquals(3, probe.receiveMessage().apps().size());
    https =
        TcpProxy.bind(
                testKit.system(),
                "127.0.0.1",
                0,
                holder,
                ProxySettings.DEFAULTS,
                new ProxyListener.Tls(certificates))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    AcmeChallenges challenges = token -> "known".equals(token) ? "known.key-authorization" : null;
    http =
        TcpProxy.bind(
                testKit.system(),
                "127.0.0.1",
                0,
                holder,
                ProxySettings.DEFAULTS,
                new ProxyListener.Plain(challenges, 8443))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  /** An upstream answering without Content-Length: its body ends when it closes. */
  private Upstream untilClose() throws IOException {
    ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    rawServers.add(server);
    upstreamThreads.execute(
        () -> {
          while (!server.isClosed()) {
            try (Socket s = server.accept()) {
              InputStream in = s.getInputStream();
              int state = 0;
              while (state < 4) {
                int c = in.read();
                if (c < 0) {
                  break;
                }
                state = (c == '\r' || c == '\n') ? state + 1 : 0;
              }
              s.getOutputStream()
                  .write(
                      "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close"
                          .getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
              // the test ends
            }
          }
        });
    return new Upstream("127.0.0.1", server.getLocalPort());
  }

  @AfterAll
  void stop() throws Exception {
    for (ServerSocket s : rawServers) {
      s.close();
    }
    https.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    http.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    upstream.stop(0);
    upstreamThreads.shutdownNow();
  }

  @Test
  void terminatesTlsWithTheCertificateOfTheRequestedHost() throws Exception {
    try (SSLSocket socket =
        connect("shop.test", trusting(certificates.select("shop.test").leaf()))) {
      Response r = exchange(socket, "GET /cart?id=7 HTTP/1.1\r\nHost: shop.test\r\n\r\n", null);
      assertEquals(200, r.status);
      String body = r.text();
      assertTrue(body.contains("path=/cart?id=7"), body);
      assertTrue(body.contains("x-forwarded-proto: https"), body);
      assertTrue(body.contains("host: shop.test"), body);
      X509Certificate presented = (X509Certificate) socket.getSession().getPeerCertificates()[0];
      assertEquals(certificates.select("shop.test").leaf(), presented);
    }
  }

  @Test
  void aCertificateForAnotherHostIsNotTrusted() throws Exception {
    SSLContext onlyOther = trusting(certificates.select("other.test").leaf());
    assertThrows(
        SSLHandshakeException.class,
        () -> {
          try (SSLSocket socket = connect("shop.test", onlyOther)) {
            socket.startHandshake();
          }
        });
  }

  @Test
  void keepAliveCarriesLargeBodiesBothWays() throws Exception {
    byte[] big = new byte[3 * 1024 * 1024 + 17];
    new Random(5).nextBytes(big);
    try (SSLSocket socket =
        connect("shop.test", trusting(certificates.select("shop.test").leaf()))) {
      for (int i = 0; i < 3; i++) {
        Response r =
            exchange(
                socket,
                "POST /echo HTTP/1.1\r\nHost: shop.test\r\nContent-Length: "
                    + big.length
                    + "\r\n\r\n",
                big);
        assertEquals(200, r.status);
        assertArrayEquals(big, r.body);
      }
      Response small = exchange(socket, "GET / HTTP/1.1\r\nHost: plain.test\r\n\r\n", null);
      assertEquals(200, small.status);
    }
  }

  @Test
  void manyConcurrentConnectionsAllComplete() throws Exception {
    SSLContext context = trusting(certificates.select("shop.test").leaf());
    int connections = 64;
    int requests = 50;
    ExecutorService clients = Executors.newFixedThreadPool(connections);
    try {
      List<java.util.concurrent.Future<Integer>> done = new java.util.ArrayList<>();
      for (int c = 0; c < connections; c++) {
        done.add(
            clients.submit(
                () -> {
                  int ok = 0;
                  try (SSLSocket socket = connect("shop.test", context)) {
                    for (int i = 0; i < requests; i++) {
                      Response r =
                          exchange(socket, "GET /n HTTP/1.1\r\nHost: shop.test\r\n\r\n", null);
                      ok += r.status == 200 ? 1 : 0;
                    }
                  }
                  return ok;
                }));
      }
      int total = 0;
      for (var f : done) {
        total += f.get(60, TimeUnit.SECONDS);
      }
      assertEquals(connections * requests, total);
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  void aBodyEndingWithTheConnectionEndsWithCloseNotify() throws Exception {
    // curl (OpenSSL 3) treats a TLS connection closed without close_notify as an error, which
    // would cut such a body.
    int port = https.localAddress().getPort();
    Process curl =
        new ProcessBuilder(
                "curl",
                "-sk",
                "--max-time",
                "10",
                "--resolve",
                "eof.test:" + port + ":127.0.0.1",
                "https://eof.test:" + port + "/")
            .redirectErrorStream(true)
            .start();
    String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, curl.waitFor(), out);
    assertEquals("until close", out);
  }

  @Test
  void pipelinedRequestsInOneRecordAreAllAnswered() throws Exception {
    try (SSLSocket socket =
        connect("shop.test", trusting(certificates.select("shop.test").leaf()))) {
      StringBuilder three = new StringBuilder();
      for (int i = 0; i < 3; i++) {
        three.append("GET /p").append(i).append(" HTTP/1.1\r\nHost: shop.test\r\n\r\n");
      }
      Response first = exchange(socket, three.toString(), null);
      Response second = exchange(socket, "", null);
      Response third = exchange(socket, "", null);
      assertTrue(first.text().contains("path=/p0"), first.text());
      assertTrue(second.text().contains("path=/p1"), second.text());
      assertTrue(third.text().contains("path=/p2"), third.text());
    }
  }

  @Test
  void withoutSniTheProxyStillAnswers() throws Exception {
    try (SSLSocket socket = connect(null, trusting(certificates.select(null).leaf()))) {
      Response r = exchange(socket, "GET / HTTP/1.1\r\nHost: shop.test\r\n\r\n", null);
      assertEquals(200, r.status);
    }
  }

  @Test
  void plainHttpRedirectsSecureAppsToHttps() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", http.localAddress().getPort())) {
      Response r =
          exchange(socket, "GET /cart?id=7 HTTP/1.1\r\nHost: shop.test:8080\r\n\r\n", null);
      assertEquals(307, r.status);
      assertEquals("https://shop.test:8443/cart?id=7", r.headers.get("location"));
      Response plain = exchange(socket, "GET / HTTP/1.1\r\nHost: plain.test\r\n\r\n", null);
      assertEquals(200, plain.status, "an app without TLS is served over plain HTTP");
    }
  }

  @Test
  void acmeChallengesAreAnsweredOverPlainHttpAndNeverRedirected() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", http.localAddress().getPort())) {
      Response known =
          exchange(
              socket,
              "GET /.well-known/acme-challenge/known HTTP/1.1\r\nHost: shop.test\r\n\r\n",
              null);
      assertEquals(200, known.status);
      assertEquals("known.key-authorization", known.text());
      Response unknown =
          exchange(
              socket,
              "GET /.well-known/acme-challenge/other HTTP/1.1\r\nHost: shop.test\r\n\r\n",
              null);
      assertEquals(200, unknown.status, "unknown tokens go to the app, not to HTTPS");
      assertTrue(unknown.text().contains("path=/.well-known/acme-challenge/other"));
    }
  }

  // ----- a minimal HTTP/1.1 client over any socket

  private record Response(int status, Map<String, String> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private SSLSocket connect(String sni, SSLContext context) throws IOException {
    SSLSocket socket =
        (SSLSocket)
            context.getSocketFactory().createSocket("127.0.0.1", https.localAddress().getPort());
    SSLParameters parameters = socket.getSSLParameters();
    if (sni != null) {
      parameters.setServerNames(List.of(new SNIHostName(sni)));
    } else {
      parameters.setServerNames(List.of());
    }
    socket.setSSLParameters(parameters);
    socket.setSoTimeout(10_000);
    return socket;
  }

  private static SSLContext trusting(X509Certificate certificate) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("expected", certificate);
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }

  private static Response exchange(Socket socket, String head, byte[] body) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
    if (body != null) {
      out.write(body);
    }
    out.flush();
    InputStream in = socket.getInputStream();
    String status = line(in);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = line(in); !line.isEmpty(); line = line(in)) {
      int colon = line.indexOf(':');
      headers.put(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] content = in.readNBytes(length);
    return new Response(Integer.parseInt(status.split(" ")[1]), headers, content);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("connection closed after " + b);
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }
}
