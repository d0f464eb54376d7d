package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
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
import java.util.zip.GZIPInputStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Static files (SPEC §9, issue 5 item 5) of a deployed app through the packaged CLI and a real
 * node: the release's {@code public/} is served by the proxy with validators and gzip, traversal is
 * refused, and an app scaled to zero serves its files without waking.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedPlaygrounds.class)
class StaticFilesIT {
  static final String HOST = "assets.localhost";

  @TempDir static Path tmp;
  LocalPlayground pg;
  TakoCli tako;
  int proxyPort;
  Path dir;
  byte[] logo;
  String css;
  final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @BeforeAll
  void up() throws Exception {
    pg = SharedPlaygrounds.of(List.of("la"));
    tako = pg.tako;
    proxyPort = pg.proxyPorts.get("la");
    dir = Files.createDirectories(tmp.resolve("assets"));
    Files.writeString(
        dir.resolve("server.js"),
        "require('http').createServer((q, s) => {\n"
            + "  if (q.url === '/healthz') { s.end('ok'); return; }\n"
            + "  s.end('app ' + q.url);\n"
            + "}).listen(+process.env.PORT, process.env.HOST);\n");
    Files.writeString(
        dir.resolve("tako.toml"),
        "name = \"assets\"\nruntime = \"node\"\nmain = \"server.js\"\nhealth = \"/healthz\"\n"
            + "idle_timeout = \"2s\"\n\n[envs.production]\nroutes = [\""
            + HOST
            + "\"]\nservers = [\"la\"]\n");
    Path pub = Files.createDirectories(dir.resolve("public/img"));
    css = ".a { color: red; }\n".repeat(500);
    Files.writeString(dir.resolve("public/site.css"), css);
    logo = new byte[30_000];
    new Random(3).nextBytes(logo);
    Files.write(pub.resolve("logo.png"), logo);
  }

  private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + path))
            .header("Host", HOST)
            .timeout(Duration.ofSeconds(20));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private String raw(String target) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", proxyPort)) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET " + target + " HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  private JsonNode server() throws Exception {
    TakoCli.Result status = tako.run(dir, "status", "--json");
    assertEquals(0, status.exit(), status::toString);
    return StatusJson.serverEntry(status.json(), "assets", "la");
  }

  @Test
  void publicFilesAreServedByTheProxyEvenWhileTheAppIsScaledToZero() throws Exception {
    TakoCli.Result deploy = tako.run(dir, Duration.ofMinutes(2), "deploy", "--json");
    assertEquals(0, deploy.exit(), deploy::toString);

    HttpResponse<byte[]> image = get("/img/logo.png");
    assertEquals(200, image.statusCode());
    assertArrayEquals(logo, image.body());
    assertEquals("image/png", image.headers().firstValue("Content-Type").orElse(null));
    assertEquals("public, max-age=3600", image.headers().firstValue("Cache-Control").orElse(null));
    String etag = image.headers().firstValue("ETag").orElseThrow();
    assertEquals(304, get("/img/logo.png", "If-None-Match", etag).statusCode());

    HttpResponse<byte[]> zipped = get("/site.css", "Accept-Encoding", "gzip");
    assertEquals("gzip", zipped.headers().firstValue("Content-Encoding").orElse(null));
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(zipped.body()))) {
      assertEquals(css, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertEquals("app /other", new String(get("/other").body(), StandardCharsets.UTF_8));

    for (String target :
        List.of("/../tako.toml", "/%2e%2e/server.js", "/img/..%2f..%2fserver.js")) {
      String answer = raw(target);
      assertTrue(answer.startsWith("HTTP/1.1 400"), target + ": " + answer);
      assertFalse(answer.contains("createServer") || answer.contains("routes"), answer);
    }

    TakoCli.Result scale = tako.run(dir, "scale", "0", "--json");
    assertEquals(0, scale.exit(), scale::toString);
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> server().get("instances").isEmpty());
    for (int i = 0; i < 5; i++) {
      HttpResponse<byte[]> cold = get("/img/logo.png");
      assertEquals(200, cold.statusCode());
      assertArrayEquals(logo, cold.body());
    }
    // A media player's byte range, while the app is still at zero.
    HttpResponse<byte[]> part = get("/img/logo.png", "Range", "bytes=10-19");
    assertEquals(206, part.statusCode());
    assertArrayEquals(java.util.Arrays.copyOfRange(logo, 10, 20), part.body());
    assertTrue(server().get("instances").isEmpty(), "no instance was started for the files");
    // A path that is no file wakes the app as before.
    assertEquals("app /page", new String(get("/page").body(), StandardCharsets.UTF_8));
  }
}
