package dev.tako.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
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
 * Files under a release's {@code public/} are answered by {@link TcpProxy} itself: validators,
 * content types, gzip, traversal refused, and no app needed (a cold app is not woken).
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StaticFilesProxyTest {
  @JUnit5TestKit public ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private Path root;

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final AtomicInteger appHits = new AtomicInteger();
  private final AtomicInteger wakes = new AtomicInteger();
  private HttpServer app;
  private TcpProxy.Binding binding;
  private TcpProxy.Binding https;
  private final dev.tako.proxy.tls.SelfSignedCertificates certificates =
      new dev.tako.proxy.tls.SelfSignedCertificates();
  private int port;
  private Path pub;
  private byte[] css;
  private byte[] png;

  @BeforeAll
  void start() throws Exception {
    root = Files.createTempDirectory("static-files");
    pub = Files.createDirectories(root.resolve("release/public"));
    css = "body { color: #123456; }\n".repeat(200).getBytes(StandardCharsets.UTF_8);
    Files.write(pub.resolve("site.css"), css);
    Files.writeString(pub.resolve("small.txt"), "tiny\n");
    png = new byte[50_000];
    new Random(5).nextBytes(png);
    Files.createDirectories(pub.resolve("img"));
    Files.write(pub.resolve("img/logo.png"), png);
    Files.writeString(pub.resolve("index.html"), "<h1>hi</h1>");
    Files.writeString(root.resolve("release/secret.txt"), "secret");
    Files.createSymbolicLink(pub.resolve("escape.txt"), root.resolve("release/secret.txt"));
    Files.writeString(pub.resolve("a b.txt"), "space");

    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    app.createContext(
        "/",
        exchange -> {
          appHits.incrementAndGet();
          byte[] body = ("app " + exchange.getRequestURI().getRawPath()).getBytes();
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    app.start();
    RouteSnapshots holder = new RouteSnapshots();
    holder.coldStarter(key -> wakes.incrementAndGet());
    ActorRef<RouteTable.Command> table = testKit.spawn(RouteTable.create(holder));
    Upstream upstream = new Upstream("127.0.0.1", app.getAddress().getPort());
    table.tell(
        new RouteTable.SetApp(
            "site/production", List.of("site.test"), List.of(upstream), false, 0, false, pub));
    table.tell(
        new RouteTable.SetApp(
            "cold/production", List.of("cold.test"), List.of(), true, 0, false, pub));
    table.tell(new RouteTable.SetApp("plain/production", List.of("plain.test"), List.of(upstream)));
    TestProbe<RouteSnapshot> probe = testKit.createTestProbe();
    table.tell(new RouteTable.Get(probe.getRef()));
    assertEquals(3, probe.receiveMessage().apps().size());
    binding =
        TcpProxy.bind(testKit.system(), "127.0.0.1", 0, holder, ProxySettings.DEFAULTS, 2, 256)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    port = binding.localAddress().getPort();
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
  }

  @AfterAll
  void stop() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    https.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    app.stop(0);
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private HttpResponse<byte[]> get(String host, String path, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .header("Host", host);
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElse(null);
  }

  @Test
  void servesFilesWithValidatorsAndContentTypes() throws Exception {
    int before = appHits.get();
    HttpResponse<byte[]> cssResponse = get("site.test", "/site.css");
    assertEquals(200, cssResponse.statusCode());
    assertArrayEquals(css, cssResponse.body());
    assertEquals("text/css; charset=utf-8", header(cssResponse, "content-type"));
    assertEquals("public, max-age=3600", header(cssResponse, "cache-control"));
    assertEquals(Integer.toString(css.length), header(cssResponse, "content-length"));
    assertTrue(header(cssResponse, "etag").matches("\"[0-9a-f]+-[0-9a-f]+\""));
    assertTrue(header(cssResponse, "last-modified").endsWith(" GMT"));
    assertTrue(header(cssResponse, "x-request-id") != null);

    HttpResponse<byte[]> image = get("site.test", "/img/logo.png");
    assertArrayEquals(png, image.body());
    assertEquals("image/png", header(image, "content-type"));
    assertEquals(
        "text/html; charset=utf-8", header(get("site.test", "/index.html"), "content-type"));
    assertEquals("space", new String(get("site.test", "/a%20b.txt").body()));
    assertEquals(before, appHits.get(), "the app saw none of these");
  }

  @Test
  void ifNoneMatchGives304() throws Exception {
    String etag = header(get("site.test", "/img/logo.png"), "etag");
    HttpResponse<byte[]> again = get("site.test", "/img/logo.png", "If-None-Match", etag);
    assertEquals(304, again.statusCode());
    assertEquals(0, again.body().length);
    assertEquals(etag, header(again, "etag"));
    assertEquals(
        304, get("site.test", "/img/logo.png", "If-None-Match", "\"x\", W/" + etag).statusCode());
    assertEquals(200, get("site.test", "/img/logo.png", "If-None-Match", "\"other\"").statusCode());
  }

  @Test
  void textIsGzippedWithItsOwnEtagWhenAccepted() throws Exception {
    HttpResponse<byte[]> plain = get("site.test", "/site.css");
    HttpResponse<byte[]> zipped = get("site.test", "/site.css", "Accept-Encoding", "br, gzip");
    assertEquals(200, zipped.statusCode());
    assertEquals("gzip", header(zipped, "content-encoding"));
    assertEquals("Accept-Encoding", header(zipped, "vary"));
    assertEquals(null, header(zipped, "content-length"));
    assertTrue(zipped.body().length < css.length / 5, "compressed to " + zipped.body().length);
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(zipped.body()))) {
      assertArrayEquals(css, in.readAllBytes());
    }
    String gzTag = header(zipped, "etag");
    assertNotEquals(header(plain, "etag"), gzTag);
    assertTrue(gzTag.endsWith("-gz\""), gzTag);
    assertEquals(
        304,
        get("site.test", "/site.css", "Accept-Encoding", "gzip", "If-None-Match", gzTag)
            .statusCode());
    // Not for small text, binary files, or a client that refuses gzip.
    assertEquals(
        null,
        header(get("site.test", "/small.txt", "Accept-Encoding", "gzip"), "content-encoding"));
    assertEquals(
        null,
        header(get("site.test", "/img/logo.png", "Accept-Encoding", "gzip"), "content-encoding"));
    assertEquals(
        null,
        header(get("site.test", "/site.css", "Accept-Encoding", "gzip;q=0"), "content-encoding"));
  }

  @Test
  void headAnswersHeadersOnly() throws Exception {
    HttpResponse<byte[]> head =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/img/logo.png"))
                .header("Host", "site.test")
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, head.statusCode());
    assertEquals(Integer.toString(png.length), header(head, "content-length"));
    assertEquals(0, head.body().length);
    // The connection is still in step: the next request on it works.
    assertArrayEquals(png, get("site.test", "/img/logo.png").body());
  }

  @Test
  void pathsThatAreNoFilesGoToTheApp() throws Exception {
    assertEquals("app /", new String(get("site.test", "/").body()));
    assertEquals("app /img", new String(get("site.test", "/img").body()));
    assertEquals("app /missing.css", new String(get("site.test", "/missing.css").body()));
    HttpResponse<byte[]> post =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/site.css"))
                .header("Host", "site.test")
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals("app /site.css", new String(post.body()));
    // An app without public/ gets every path.
    assertEquals("app /site.css", new String(get("plain.test", "/site.css").body()));
  }

  /** Sends a raw request line (the JDK client normalizes paths) and returns the whole answer. */
  private String raw(String target) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET " + target + " HTTP/1.1\r\nHost: site.test\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void traversalIsRefusedEncodedOrNot() throws Exception {
    int before = appHits.get();
    for (String target :
        new String[] {
          "/../secret.txt",
          "/img/../../secret.txt",
          "/%2e%2e/secret.txt",
          "/img/%2E%2E/%2e%2e/secret.txt",
          "/..%2fsecret.txt",
          "/img%2f..%2f..%2fsecret.txt",
          "/..\\secret.txt",
          "/escape.txt%00.png",
          "/escape.txt",
        }) {
      String answer = raw(target);
      assertTrue(
          answer.startsWith("HTTP/1.1 400") || answer.startsWith("HTTP/1.1 404"),
          target + ": " + answer);
      assertFalse(answer.contains("secret\n") || answer.endsWith("secret"), target + ": " + answer);
    }
    assertEquals(before, appHits.get(), "refused, not passed on");
  }

  @Test
  void aColdAppServesFilesWithoutWaking() throws Exception {
    HttpResponse<byte[]> response = get("cold.test", "/site.css");
    assertEquals(200, response.statusCode());
    assertArrayEquals(css, response.body());
    assertEquals(0, wakes.get());
    ProxyMetrics metrics = ProxyMetrics.get(testKit.system());
    // Counted on the proxy's loop once the answer is written: the client may read it first.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                metrics.staticHits("cold/production") >= 1
                    && metrics.requests("cold/production", 2) >= 1);
  }

  @Test
  void rangesAnswer206WithThoseBytesOnly() throws Exception {
    HttpResponse<byte[]> full = get("site.test", "/img/logo.png");
    assertEquals("bytes", header(full, "accept-ranges"));
    String etag = header(full, "etag");

    HttpResponse<byte[]> middle = get("site.test", "/img/logo.png", "Range", "bytes=100-199");
    assertEquals(206, middle.statusCode());
    assertEquals("bytes 100-199/50000", header(middle, "content-range"));
    assertEquals("100", header(middle, "content-length"));
    assertArrayEquals(java.util.Arrays.copyOfRange(png, 100, 200), middle.body());
    assertEquals(etag, header(middle, "etag"));

    HttpResponse<byte[]> tail = get("site.test", "/img/logo.png", "Range", "bytes=-10");
    assertEquals("bytes 49990-49999/50000", header(tail, "content-range"));
    assertArrayEquals(java.util.Arrays.copyOfRange(png, 49_990, 50_000), tail.body());

    HttpResponse<byte[]> open = get("site.test", "/img/logo.png", "Range", "bytes=49000-");
    assertArrayEquals(java.util.Arrays.copyOfRange(png, 49_000, 50_000), open.body());

    HttpResponse<byte[]> beyond = get("site.test", "/img/logo.png", "Range", "bytes=60000-");
    assertEquals(416, beyond.statusCode());
    assertEquals("bytes */50000", header(beyond, "content-range"));

    // If-Range with the current tag honours the range; with another tag the whole file comes.
    HttpResponse<byte[]> same =
        get("site.test", "/img/logo.png", "Range", "bytes=0-9", "If-Range", etag);
    assertEquals(206, same.statusCode());
    HttpResponse<byte[]> changed =
        get("site.test", "/img/logo.png", "Range", "bytes=0-9", "If-Range", "\"other\"");
    assertEquals(200, changed.statusCode());
    assertArrayEquals(png, changed.body());

    // Several ranges are answered with the whole file (allowed by RFC 9110).
    HttpResponse<byte[]> several = get("site.test", "/img/logo.png", "Range", "bytes=0-9,20-29");
    assertEquals(200, several.statusCode());
    assertArrayEquals(png, several.body());
  }

  @Test
  void aRangeOfATextFileIsSentAsStoredEvenToGzipClients() throws Exception {
    HttpResponse<byte[]> part =
        get("site.test", "/site.css", "Range", "bytes=5-24", "Accept-Encoding", "gzip");
    assertEquals(206, part.statusCode());
    assertNull(header(part, "content-encoding"));
    assertArrayEquals(java.util.Arrays.copyOfRange(css, 5, 25), part.body());
  }

  @Test
  void aLargeFileStreamsIntact() throws Exception {
    byte[] big = new byte[20 * 1024 * 1024 + 17];
    new Random(9).nextBytes(big);
    Files.write(pub.resolve("big.bin"), big);
    HttpResponse<byte[]> response = get("site.test", "/big.bin");
    assertEquals(200, response.statusCode());
    assertArrayEquals(big, response.body());
    String text = "line of text that compresses\n".repeat(400_000);
    Files.writeString(pub.resolve("big.txt"), text);
    HttpResponse<byte[]> zipped = get("site.test", "/big.txt", "Accept-Encoding", "gzip");
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(zipped.body()))) {
      assertEquals(text, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void filesAndTheirGzipFormStreamOverHttps() throws Exception {
    byte[] big = new byte[8 * 1024 * 1024 + 3];
    new Random(13).nextBytes(big);
    Files.write(pub.resolve("tls.bin"), big);
    String text = "gzip over TLS\n".repeat(100_000);
    Files.writeString(pub.resolve("tls.txt"), text);
    java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("site", certificates.select("site.test").leaf());
    javax.net.ssl.TrustManagerFactory trust =
        javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    try (javax.net.ssl.SSLSocket socket =
        (javax.net.ssl.SSLSocket)
            context.getSocketFactory().createSocket("127.0.0.1", https.localAddress().getPort())) {
      javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
      parameters.setServerNames(List.of(new javax.net.ssl.SNIHostName("site.test")));
      socket.setSSLParameters(parameters);
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
      // Two requests on one connection: the second proves the first ended exactly.
      out.write(
          ("GET /tls.bin HTTP/1.1\r\nHost: site.test\r\n\r\n"
                  + "GET /tls.txt HTTP/1.1\r\nHost: site.test\r\nAccept-Encoding: gzip\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String head = RawUpstream.readHead(in);
      assertTrue(head.startsWith("HTTP/1.1 200"), head);
      java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
      RawUpstream.readBody(head, in, body::write);
      assertArrayEquals(big, body.toByteArray());
      head = RawUpstream.readHead(in);
      assertEquals("gzip", RawUpstream.header(head, "content-encoding"), head);
      java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
      RawUpstream.readBody(head, in, zipped::write);
      try (InputStream unzipped =
          new GZIPInputStream(new ByteArrayInputStream(zipped.toByteArray()))) {
        assertEquals(text, new String(unzipped.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
  }
}
