package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
 * The same contract as {@link HttpProxyTest} for {@link TcpProxy}, plus what only a byte-level
 * proxy has to get right: upstream keep-alive, pipelining, upgrades, 100-continue.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TcpProxyTest {
  @JUnit5TestKit public ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private final CountDownLatch release = new CountDownLatch(1);
  private final List<HttpServer> upstreams = new ArrayList<>();
  private final ExecutorService upstreamThreads = Executors.newCachedThreadPool();
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private TcpProxy.Binding binding;
  private TcpProxy.Binding limited;
  private int port;
  private int limitedPort;
  private RouteSnapshots holder;
  private Upstream one;

  @BeforeAll
  void start() throws Exception {
    one = upstream("one");
    Upstream two = upstream("two");
    Upstream dead = deadUpstream();
    Upstream echo = upgradeUpstream();
    holder = new RouteSnapshots();
    ActorRef<RouteTable.Command> table = testKit.spawn(RouteTable.create(holder));
    table.tell(new RouteTable.SetApp("hello", List.of("hello.test", "*.wild.test"), List.of(one)));
    table.tell(new RouteTable.SetApp("site", List.of("site.test"), List.of(one)));
    table.tell(new RouteTable.SetApp("api", List.of("site.test/api/*"), List.of(two)));
    table.tell(new RouteTable.SetApp("rr", List.of("rr.test"), List.of(one, two)));
    table.tell(new RouteTable.SetApp("none", List.of("none.test"), List.of()));
    table.tell(new RouteTable.SetApp("dead", List.of("dead.test"), List.of(dead)));
    table.tell(new RouteTable.SetApp("retry", List.of("retry.test"), List.of(dead, two)));
    table.tell(new RouteTable.SetApp("ws", List.of("ws.test"), List.of(echo)));
    TestProbe<RouteSnapshot> probe = testKit.createTestProbe();
    table.tell(new RouteTable.Get(probe.getRef()));
    assertEquals(8, probe.receiveMessage().apps().size());

    binding =
        TcpProxy.bind(testKit.system(), "127.0.0.1", 0, holder, ProxySettings.DEFAULTS)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    port = binding.localAddress().getPort();
    ProxySettings tight =
        ProxySettings.DEFAULTS
            .withMaxRequestBody(1024 * 1024)
            .withReadTimeout(Duration.ofSeconds(1));
    limited =
        TcpProxy.bind(testKit.system(), "127.0.0.1", 0, holder, tight)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    limitedPort = limited.localAddress().getPort();
  }

  @AfterAll
  void stop() throws Exception {
    release.countDown();
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    limited.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    upstreams.forEach(s -> s.stop(0));
    for (ServerSocket socket : sockets) {
      socket.close();
    }
    upstreamThreads.shutdownNow();
  }

  /**
   * GET: answers "name", the path and every request header as "name: value" lines. POST /echo:
   * streams the body back. /hang: answers only after the test ends.
   */
  private Upstream upstream(String name) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    server.setExecutor(upstreamThreads);
    server.createContext("/", exchange -> serve(name, exchange));
    server.start();
    upstreams.add(server);
    return new Upstream("127.0.0.1", server.getAddress().getPort());
  }

  private void serve(String name, HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      if (path.equals("/hang")) {
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      exchange.getResponseHeaders().add("X-Upstream", name);
      if (path.equals("/echo")) {
        exchange.sendResponseHeaders(200, 0);
        try (InputStream in = exchange.getRequestBody();
            OutputStream out = exchange.getResponseBody()) {
          in.transferTo(out);
        }
        return;
      }
      exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
      StringBuilder body =
          new StringBuilder(
              "upstream: "
                  + name
                  + "\npath: "
                  + path
                  + "\nremote: "
                  + exchange.getRemoteAddress().getPort()
                  + "\n");
      exchange
          .getRequestHeaders()
          .forEach(
              (header, values) ->
                  values.forEach(
                      v ->
                          body.append(header.toLowerCase(Locale.ROOT))
                              .append(": ")
                              .append(v)
                              .append('\n')));
      byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  private static Upstream deadUpstream() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return new Upstream("127.0.0.1", socket.getLocalPort());
    }
  }

  private HttpResponse<String> get(String host, String path, String... headers) throws Exception {
    return get(port, host, path, headers);
  }

  private HttpResponse<String> get(int proxyPort, String host, String path, String... headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + path))
            .timeout(Duration.ofSeconds(20))
            .header("Host", host);
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The upstream's echo of what it received: "name: value" lines, first value per name. */
  private static Map<String, String> seen(HttpResponse<String> response) {
    Map<String, String> seen = new HashMap<>();
    for (String line : response.body().split("\n")) {
      int colon = line.indexOf(": ");
      if (colon > 0) {
        seen.putIfAbsent(line.substring(0, colon), line.substring(colon + 2));
      }
    }
    return seen;
  }

  @Test
  void routesByHostAndWildcard() throws Exception {
    HttpResponse<String> response = get("hello.test", "/a?b=c");
    assertEquals(200, response.statusCode());
    assertEquals("one", seen(response).get("upstream"));
    assertEquals("/a", seen(response).get("path"));
    assertEquals("hello.test", seen(response).get("host"));
    assertEquals(200, get("x.y.wild.test", "/").statusCode());
    assertEquals(404, get("wild.test", "/").statusCode());
  }

  @Test
  void routesByPathPrefix() throws Exception {
    assertEquals("two", seen(get("site.test", "/api/users")).get("upstream"));
    assertEquals("two", seen(get("site.test", "/api")).get("upstream"));
    assertEquals("one", seen(get("site.test", "/apix")).get("upstream"));
    assertEquals("one", seen(get("site.test:8080", "/")).get("upstream"));
  }

  @Test
  void unknownHostIs404AndNoUpstreamIs503() throws Exception {
    HttpResponse<String> unknown = get("nobody.test", "/");
    assertEquals(404, unknown.statusCode());
    assertEquals("Not Found\n", unknown.body());
    assertTrue(unknown.headers().firstValue("X-Request-ID").isPresent());
    assertEquals(503, get("none.test", "/").statusCode());
  }

  @Test
  void deadUpstreamIs502AndARefusedConnectionIsRetriedOnTheNext() throws Exception {
    HttpResponse<String> dead = get("dead.test", "/");
    assertEquals(502, dead.statusCode());
    assertEquals("Bad Gateway\n", dead.body());
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> retried = get("retry.test", "/");
      assertEquals(200, retried.statusCode());
      assertEquals("two", seen(retried).get("upstream"));
    }
  }

  @Test
  void slowUpstreamIs504() throws Exception {
    assertEquals(504, get(limitedPort, "hello.test", "/hang").statusCode());
  }

  @Test
  void requestsInFlightAreCountedPerUpstreamUntilAnswered() throws Exception {
    var pending =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return get(limitedPort, "hello.test", "/hang").statusCode();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> holder.inFlight().count(one.host(), one.port()) >= 1);
    assertEquals(504, pending.get(10, TimeUnit.SECONDS));
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> holder.inFlight().count(one.host(), one.port()) == 0);
  }

  @Test
  void appSeesForwardedHeadersAndTheOriginalHost() throws Exception {
    HttpResponse<String> response =
        get("hello.test:8080", "/", "X-Request-ID", "req-42", "X-Forwarded-For", "10.1.2.3");
    Map<String, String> seen = seen(response);
    assertEquals("hello.test:8080", seen.get("host"));
    assertEquals("10.1.2.3, 127.0.0.1", seen.get("x-forwarded-for"));
    assertEquals("http", seen.get("x-forwarded-proto"));
    assertEquals("hello.test:8080", seen.get("x-forwarded-host"));
    assertEquals("req-42", seen.get("x-request-id"));
    assertEquals("req-42", response.headers().firstValue("X-Request-ID").orElseThrow());
    assertFalse(seen.containsKey("timeout-access"), seen.toString());

    HttpResponse<String> generated = get("hello.test", "/");
    String id = generated.headers().firstValue("X-Request-ID").orElseThrow();
    assertEquals(id, seen(generated).get("x-request-id"));
    assertEquals("127.0.0.1", seen(generated).get("x-forwarded-for"));
  }

  @Test
  void roundRobinAcrossTwoUpstreams() throws Exception {
    List<String> hits = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      hits.add(seen(get("rr.test", "/")).get("upstream"));
    }
    assertEquals(2, hits.stream().filter("one"::equals).count(), hits.toString());
    assertEquals(2, hits.stream().filter("two"::equals).count(), hits.toString());
    assertFalse(hits.get(0).equals(hits.get(1)), hits.toString());
  }

  @Test
  void fiveMegabytesStreamBothWays() throws Exception {
    byte[] body = new byte[5 * 1024 * 1024];
    new Random(7).nextBytes(body);
    HttpResponse<byte[]> fixed = post(port, "/echo", body, false);
    assertEquals(200, fixed.statusCode());
    assertArrayEquals(body, fixed.body());
    HttpResponse<byte[]> chunked = post(port, "/echo", body, true);
    assertEquals(200, chunked.statusCode());
    assertArrayEquals(body, chunked.body());
  }

  @Test
  void bodyOverTheLimitIs413() throws Exception {
    byte[] body = new byte[2 * 1024 * 1024];
    assertEquals(413, post(limitedPort, "/sink", body, false).statusCode());
    // Without a Content-Length the limit trips while streaming; the app reads all before answering.
    assertEquals(413, post(limitedPort, "/sink", body, true).statusCode());
    assertEquals(200, post(limitedPort, "/sink", new byte[1000], true).statusCode());
    assertEquals(200, post(limitedPort, "/sink", new byte[1000], false).statusCode());
    assertEquals(200, post(limitedPort, "/sink", new byte[300_000], false).statusCode());
  }

  private HttpResponse<byte[]> post(int proxyPort, String path, byte[] body, boolean chunked)
      throws Exception {
    HttpRequest.BodyPublisher publisher =
        chunked
            ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
            : HttpRequest.BodyPublishers.ofByteArray(body);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + path))
            .timeout(Duration.ofSeconds(30))
            .header("Host", "hello.test")
            .POST(publisher)
            .build();
    return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  /**
   * A raw upstream that answers any request with 101 and then echoes every byte until the proxy
   * closes.
   */
  private Upstream upgradeUpstream() throws IOException {
    ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    upstreamThreads.submit(
        () -> {
          try (server) {
            while (true) {
              java.net.Socket socket = server.accept();
              upstreamThreads.submit(() -> upgradeAndEcho(socket));
            }
          } catch (IOException e) {
            return null;
          }
        });
    sockets.add(server);
    return new Upstream("127.0.0.1", server.getLocalPort());
  }

  private Void upgradeAndEcho(java.net.Socket socket) throws IOException {
    try (socket) {
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      OutputStream out = socket.getOutputStream();
      String id = header(head, "x-request-id");
      out.write(
          ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  + "X-Seen-Upgrade: "
                  + header(head, "upgrade")
                  + "\r\nX-Seen-Id: "
                  + id
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) > 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
    }
    return null;
  }

  private final List<ServerSocket> sockets = new ArrayList<>();

  /** Reads a message head up to and including its blank line. */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      head.append((char) c);
      if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
        break;
      }
    }
    return head.toString();
  }

  /** A header's value in a raw head (first one, name case-insensitive), or null. */
  private static String header(String head, String name) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return null;
  }

  /** Reads one response with a Content-Length body: head + body. */
  private static String[] readResponse(InputStream in) throws IOException {
    String head = readHead(in);
    int length = Integer.parseInt(header(head, "content-length"));
    byte[] body = in.readNBytes(length);
    return new String[] {head, new String(body, StandardCharsets.UTF_8)};
  }

  @Test
  void keepAliveReusesTheUpstreamConnection() throws Exception {
    String first = seen(get("hello.test", "/")).get("remote");
    String second = seen(get("hello.test", "/")).get("remote");
    assertEquals(first, second);
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(20_000);
      socket
          .getOutputStream()
          .write(
              ("GET /first HTTP/1.1\r\nHost: hello.test\r\n\r\n"
                      + "GET /nowhere HTTP/1.1\r\nHost: nobody.test\r\n\r\n"
                      + "GET /third HTTP/1.1\r\nHost: site.test\r\nX-Request-ID: third\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      String[] first = readResponse(in);
      assertTrue(first[0].startsWith("HTTP/1.1 200"), first[0]);
      assertTrue(first[1].contains("path: /first"), first[1]);
      String[] second = readResponse(in);
      assertTrue(second[0].startsWith("HTTP/1.1 404"), second[0]);
      String[] third = readResponse(in);
      assertTrue(third[1].contains("path: /third"), third[1]);
      assertEquals("third", header(third[0], "x-request-id"));
    }
  }

  @Test
  void upgradeBecomesAPipeBothWays() throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /socket HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\n"
                  + "Connection: Upgrade\r\nX-Request-ID: ws-1\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      assertTrue(head.startsWith("HTTP/1.1 101"), head);
      assertEquals("websocket", header(head, "upgrade"));
      assertEquals("websocket", header(head, "x-seen-upgrade"));
      assertEquals("ws-1", header(head, "x-seen-id"));
      assertEquals("ws-1", header(head, "x-request-id"));
      for (String message : List.of("ping", "a longer message\r\n\r\nwith a blank line")) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        out.write(bytes);
        out.flush();
        assertEquals(message, new String(in.readNBytes(bytes.length), StandardCharsets.UTF_8));
      }
      socket.shutdownOutput();
      assertEquals(-1, in.read());
    }
  }

  @Test
  void expectContinueIsPassedThrough() throws Exception {
    byte[] body = "continue me".getBytes(StandardCharsets.UTF_8);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/echo"))
            .timeout(Duration.ofSeconds(20))
            .header("Host", "hello.test")
            .expectContinue(true)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, response.statusCode());
    assertArrayEquals(body, response.body());
  }

  @Test
  void hopByHopHeadersAreDropped() throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(20_000);
      socket
          .getOutputStream()
          .write(
              ("GET / HTTP/1.1\r\nHost: hello.test\r\nConnection: keep-alive, X-Secret\r\n"
                      + "X-Secret: 1\r\nKeep-Alive: timeout=5\r\nProxy-Authorization: x\r\n"
                      + "X-Forwarded-Proto: https\r\nX-Other: kept\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      String[] response = readResponse(socket.getInputStream());
      assertFalse(response[1].contains("x-secret"), response[1]);
      assertFalse(response[1].contains("keep-alive"), response[1]);
      assertFalse(response[1].contains("proxy-authorization"), response[1]);
      assertTrue(response[1].contains("x-forwarded-proto: http\n"), response[1]);
      assertTrue(response[1].contains("x-other: kept"), response[1]);
    }
  }

  @Test
  void concurrentRequestsQueueForTheConnectionCap() throws Exception {
    RouteSnapshots holder = new RouteSnapshots();
    holder.publish(
        RouteSnapshot.of(
            Map.of("capped", new AppRoutes(List.of("capped.test"), List.of(upstream("capped"))))));
    TcpProxy.Binding capped =
        TcpProxy.bind(testKit.system(), "127.0.0.1", 0, holder, ProxySettings.DEFAULTS, 1, 2)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    try {
      int cappedPort = capped.localAddress().getPort();
      List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> responses =
          new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        responses.add(
            own.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cappedPort + "/" + i))
                    .timeout(Duration.ofSeconds(20))
                    .header("Host", "capped.test")
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      java.util.Set<String> remotes = new java.util.HashSet<>();
      for (var response : responses) {
        HttpResponse<String> r = response.get(30, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode());
        remotes.add(seen(r).get("remote"));
      }
      assertTrue(remotes.size() <= 2, remotes.toString());
    } finally {
      capped.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
