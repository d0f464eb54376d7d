package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Text responses from the app are gzipped by {@link TcpProxy} when the client accepts it. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GzipProxyTest {
  @JUnit5TestKit public ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private static final String TEXT = "All work and no play makes Jack a dull boy.\n";

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final CountDownLatch secondPart = new CountDownLatch(1);
  private HttpServer app;
  private TcpProxy.Binding binding;
  private int port;

  @BeforeAll
  void start() throws Exception {
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    app.setExecutor(Executors.newCachedThreadPool());
    app.createContext("/", this::serve);
    app.start();
    RouteSnapshots holder = new RouteSnapshots();
    holder.publish(
        RouteSnapshot.of(
            java.util.Map.of(
                "app",
                new AppRoutes(
                    List.of("gz.test"),
                    List.of(new Upstream("127.0.0.1", app.getAddress().getPort()))))));
    binding =
        TcpProxy.bind(testKit.system(), "127.0.0.1", 0, holder, ProxySettings.DEFAULTS, 2, 256)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    port = binding.localAddress().getPort();
  }

  @AfterAll
  void stop() throws Exception {
    secondPart.countDown();
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    app.stop(0);
  }

  /** The body for a path: "/{type}/{length}" with some extras by name. */
  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      var headers = exchange.getResponseHeaders();
      switch (path) {
        case "/stream" -> {
          headers.add("Content-Type", "text/plain; charset=utf-8");
          exchange.sendResponseHeaders(200, 0);
          OutputStream out = exchange.getResponseBody();
          out.write(TEXT.repeat(40).getBytes(StandardCharsets.UTF_8));
          out.flush();
          boolean released;
          try {
            // Released by the client once it decoded the first part: a proxy that held the first
            // part back until the end gets "too late" instead.
            released = secondPart.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            released = false;
          }
          out.write((released ? "the end\n" : "too late\n").getBytes(StandardCharsets.UTF_8));
          out.close();
          return;
        }
        case "/sse" -> headers.add("Content-Type", "text/event-stream");
        case "/encoded" -> {
          headers.add("Content-Type", "text/plain");
          headers.add("Content-Encoding", "br");
        }
        case "/notransform" -> {
          headers.add("Content-Type", "text/plain");
          headers.add("Cache-Control", "public, no-transform");
        }
        case "/binary" -> headers.add("Content-Type", "application/octet-stream");
        case "/json" -> {
          headers.add("Content-Type", "application/json");
          headers.add("ETag", "\"v1\"");
        }
        case "/nocontent" -> {
          exchange.sendResponseHeaders(204, -1);
          return;
        }
        default -> headers.add("Content-Type", "text/html; charset=utf-8");
      }
      String query = exchange.getRequestURI().getQuery();
      int length = query == null ? 5000 : Integer.parseInt(query);
      byte[] body = TEXT.repeat(length / TEXT.length() + 1).substring(0, length).getBytes();
      boolean chunked = path.equals("/chunked");
      exchange.sendResponseHeaders(200, chunked ? 0 : body.length);
      OutputStream out = exchange.getResponseBody();
      for (int i = 0; i < body.length; i += 1000) {
        out.write(body, i, Math.min(1000, body.length - i));
        out.flush();
      }
    }
  }

  private HttpResponse<byte[]> get(String path, String acceptEncoding) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .header("Host", "gz.test");
    if (acceptEncoding != null) {
      request.header("Accept-Encoding", acceptEncoding);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String gunzip(byte[] body) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String text(int length) {
    return TEXT.repeat(length / TEXT.length() + 1).substring(0, length);
  }

  private static String encoding(HttpResponse<?> response) {
    return response.headers().firstValue("Content-Encoding").orElse(null);
  }

  @Test
  void textOfAKibibyteOrMoreIsGzippedForClientsThatAcceptIt() throws Exception {
    for (String path : List.of("/page?1024", "/page?100000", "/chunked?3000", "/chunked?100")) {
      HttpResponse<byte[]> response = get(path, "gzip, deflate");
      assertEquals(200, response.statusCode());
      assertEquals("gzip", encoding(response), path);
      assertEquals("Accept-Encoding", response.headers().firstValue("Vary").orElse(null));
      assertTrue(response.headers().firstValue("Content-Length").isEmpty(), path);
      int length = Integer.parseInt(path.substring(path.indexOf('?') + 1));
      assertEquals(text(length), gunzip(response.body()), path);
    }
    HttpResponse<byte[]> json = get("/json?4000", "*");
    assertEquals("gzip", encoding(json));
    assertEquals("W/\"v1\"", json.headers().firstValue("ETag").orElse(null));
    assertEquals(text(4000), gunzip(json.body()));
  }

  @Test
  void otherResponsesPassUntouched() throws Exception {
    for (String[] c :
        new String[][] {
          {"/page?1023", "gzip"},
          {"/page?5000", null},
          {"/page?5000", "gzip;q=0, identity"},
          {"/page?5000", "br"},
          {"/sse", "gzip"},
          {"/encoded", "gzip"},
          {"/notransform", "gzip"},
          {"/binary", "gzip"},
        }) {
      HttpResponse<byte[]> response = get(c[0], c[1]);
      String what = c[0] + " with " + c[1];
      assertEquals(200, response.statusCode(), what);
      assertNull(c[0].equals("/encoded") ? null : encoding(response), what);
      String length = c[0].contains("?") ? c[0].substring(c[0].indexOf('?') + 1) : "5000";
      assertEquals(text(Integer.parseInt(length)), new String(response.body()), what);
      boolean couldBeGzipped = c[0].startsWith("/page?5000");
      assertEquals(
          couldBeGzipped ? "Accept-Encoding" : null,
          response.headers().firstValue("Vary").orElse(null),
          what + ": caches must keep the forms apart");
    }
    assertEquals(204, get("/nocontent", "gzip").statusCode());
    // The connection stays in step after a 204 and a HEAD.
    HttpResponse<byte[]> head =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/page?5000"))
                .header("Host", "gz.test")
                .header("Accept-Encoding", "gzip")
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, head.statusCode());
    assertNull(encoding(head));
    assertEquals(text(5000), gunzip(get("/page?5000", "gzip").body()));
  }

  @Test
  void anHttp10ClientGetsNoChunkedGzip() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              "GET /page?3000 HTTP/1.0\r\nHost: gz.test\r\nAccept-Encoding: gzip\r\n\r\n"
                  .getBytes(StandardCharsets.ISO_8859_1));
      String answer =
          new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
      assertTrue(answer.endsWith(text(3000)), answer);
      assertTrue(!answer.toLowerCase().contains("content-encoding"), answer);
    }
  }

  @Test
  void aStreamedResponseIsFlushedAsItComes() throws Exception {
    HttpResponse<InputStream> response =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/stream"))
                .timeout(Duration.ofSeconds(20))
                .header("Host", "gz.test")
                .header("Accept-Encoding", "gzip")
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertEquals("gzip", encoding(response));
    try (InputStream in = new GZIPInputStream(response.body())) {
      // The first part decodes while the app still holds back the rest.
      byte[] first = in.readNBytes(TEXT.length() * 40);
      assertEquals(TEXT.repeat(40), new String(first, StandardCharsets.UTF_8));
      secondPart.countDown();
      assertEquals("the end\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}
