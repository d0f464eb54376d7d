package dev.tako.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover between servers (SPEC §12) on one two-region playground: an app deployed to la and nyc
 * whose instances exit (at once, and at every start) when a flag file for their server exists. In
 * order: the app's Tako-Replay sends a request from la to nyc; la's instance dies under load and
 * every request la takes from then on is answered by nyc, with the visitor's X-Forwarded-For and
 * X-Request-ID; a POST forwarded reaches the app once; with both sides down la answers 503 quickly
 * (and nyc does not send it back).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SharedPlaygrounds.class)
class FailoverIT {
  static final List<String> REGIONS = List.of("la", "nyc");
  static final String HOST = "fo.localhost";
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir static Path tmp;
  LocalPlayground playground;
  Path flags;
  int la;
  int nyc;

  @BeforeAll
  void up() throws Exception {
    playground = SharedPlaygrounds.of(REGIONS);
    flags = Files.createDirectories(tmp.resolve("flags"));
    Path app = Apps.write(tmp.resolve("fo"), "fo", "fo", "", REGIONS);
    // Body: fo|server|method|x-forwarded-for|x-request-id|times this request id was seen|body.
    Files.writeString(
        app.resolve("server.js"),
        "const fs = require('fs');\n"
            + "const flag = "
            + jsString(flags.toString() + "/down-")
            + " + process.env.TAKO_SERVER;\n"
            + "if (fs.existsSync(flag)) process.exit(1);\n"
            + "setInterval(() => { if (fs.existsSync(flag)) process.exit(1); }, 20);\n"
            + "const seen = new Map();\n"
            + "require('http').createServer((q, s) => {\n"
            + "  if (q.url === '/healthz') { s.end('ok'); return; }\n"
            + "  if (q.url === '/replay') s.setHeader('Tako-Replay', 'nyc');\n"
            + "  const id = q.headers['x-request-id'] || '';\n"
            + "  if (q.url.startsWith('/seen/')) { s.end(String(seen.get(q.url.slice(6)) || 0));"
            + " return; }\n"
            + "  seen.set(id, (seen.get(id) || 0) + 1);\n"
            + "  let body = '';\n"
            + "  q.on('data', d => body += d);\n"
            + "  q.on('end', () => {\n"
            + "    s.setHeader('content-type', 'text/plain');\n"
            + "    s.end(['fo', process.env.TAKO_SERVER, q.method, q.headers['x-forwarded-for'],"
            + " id, seen.get(id), body].join('|'));\n"
            + "  });\n"
            + "}).listen(+process.env.PORT, process.env.HOST);\n");
    TakoCli.Result deploy = playground.tako.run(app, "deploy");
    assertEquals(0, deploy.exit(), deploy::toString);
    la = playground.proxyPorts.get("la");
    nyc = playground.proxyPorts.get("nyc");
    Http.await(la, HOST, "/", r -> r.body().startsWith("fo|la|"), Duration.ofSeconds(20));
    Http.await(nyc, HOST, "/", r -> r.body().startsWith("fo|nyc|"), Duration.ofSeconds(20));
  }

  /** The shared playground goes on for other classes: this app, crash-looping by now, leaves. */
  @AfterAll
  void deleteTheApp() throws Exception {
    TakoCli.Result delete =
        playground.tako.run(tmp.resolve("fo"), Duration.ofMinutes(2), "delete", "--yes");
    assertEquals(0, delete.exit(), delete::toString);
  }

  @Test
  @Order(1)
  void anAppsTakoReplaySendsTheRequestToTheServerItNames() throws Exception {
    // la's proxy knows nyc once their readiness exchange ran: until then it answers 502.
    HttpResponse<String> r =
        Http.await(la, HOST, "/replay", x -> x.statusCode() == 200, Duration.ofSeconds(15));
    assertTrue(r.body().startsWith("fo|nyc|GET|"), r.body());
    assertTrue(r.headers().firstValue("Tako-Replay").isEmpty(), "the header reaches the visitor");
    HttpResponse<String> post = send(la, "POST", "/replay", "rp-1", "replayed body");
    assertEquals(200, post.statusCode(), post.body());
    assertTrue(post.body().startsWith("fo|nyc|POST|"), post.body());
    assertTrue(post.body().endsWith("|replayed body"), post.body());
  }

  @Test
  @Order(2)
  void whenLasInstanceDiesUnderLoadNycAnswersAndNoRequestFails() throws Exception {
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    AtomicLong fromLa = new AtomicLong();
    AtomicLong fromNyc = new AtomicLong();
    AtomicLong ejectedAt = new AtomicLong();
    AtomicLong failedAfterEjection = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread thread =
          new Thread(
              () -> {
                while (!stop.get()) {
                  try {
                    HttpResponse<String> r = send(la, "GET", "/load", null, null);
                    if (r.statusCode() != 200) {
                      failed(failures, ejectedAt, failedAfterEjection, r.statusCode() + r.body());
                    } else if (r.body().startsWith("fo|nyc|")) {
                      fromNyc.incrementAndGet();
                      ejectedAt.compareAndSet(0, System.nanoTime());
                    } else {
                      fromLa.incrementAndGet();
                    }
                  } catch (Exception e) {
                    failed(failures, ejectedAt, failedAfterEjection, e.toString());
                  }
                }
              });
      thread.start();
      threads.add(thread);
    }
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> fromLa.get() > 100);
      Files.writeString(flags.resolve("down-la"), "down");
      await().atMost(Duration.ofSeconds(10)).until(() -> fromNyc.get() > 0);
      long nycBefore = fromNyc.get();
      // Load goes on while la's node restarts its instance, which dies again at each start.
      await().atMost(Duration.ofSeconds(20)).until(() -> fromNyc.get() > nycBefore + 500);
    } finally {
      stop.set(true);
      for (Thread thread : threads) {
        thread.join(20_000);
      }
    }
    String summary =
        fromLa.get() + " from la, " + fromNyc.get() + " from nyc, failures: " + failures;
    System.out.println("failover under load: " + summary);
    assertEquals(0, failedAfterEjection.get(), summary);
    assertEquals(0, failures.size(), summary);

    // The visitor's X-Forwarded-For and X-Request-ID cross the hop; the hop header does not reach
    // the visitor, and one forged by a visitor is not trusted.
    HttpRequest visitor =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + la + "/who"))
            .header("Host", HOST)
            .header("X-Forwarded-For", "203.0.113.7")
            .header("X-Request-ID", "visitor-id-1")
            .header("Tako-Hop", "forged")
            .build();
    HttpResponse<String> r = CLIENT.send(visitor, HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    String[] f = r.body().split("\\|", -1);
    assertEquals("nyc", f[1], r.body());
    assertEquals("203.0.113.7, 127.0.0.1", f[3], r.body());
    assertEquals("visitor-id-1", f[4], r.body());
    assertEquals("visitor-id-1", r.headers().firstValue("X-Request-ID").orElse(""));
    assertTrue(r.headers().firstValue("Tako-Hop").isEmpty());

    String metrics = metrics("la");
    assertTrue(
        metrics.contains(
            "tako_proxy_forwarded_total{server=\"la\",app=\"fo\",env=\"production\","
                + "to=\"nyc\"}"),
        metrics);
  }

  @Test
  @Order(3)
  void aForwardedPostReachesTheAppOnce() throws Exception {
    HttpResponse<String> r = send(la, "POST", "/orders", "post-once-1", "one order");
    assertEquals(200, r.statusCode(), r.body());
    String[] f = r.body().split("\\|", -1);
    assertEquals("nyc", f[1], r.body());
    assertEquals("POST", f[2]);
    assertEquals("1", f[5], "the app saw the request once: " + r.body());
    assertEquals("one order", f[6]);
    assertEquals("1", Http.get(nyc, HOST, "/seen/post-once-1").body());
  }

  @Test
  @Order(4)
  void withBothSidesDownLaAnswers503QuicklyAndNothingLoops() throws Exception {
    Files.writeString(flags.resolve("down-nyc"), "down");
    Http.await(nyc, HOST, "/", x -> x.statusCode() == 503, Duration.ofSeconds(10));
    // Once la learnt that nyc has no ready instance, la answers by itself.
    Http.await(la, HOST, "/", x -> x.statusCode() == 503, Duration.ofSeconds(10));
    long forwardedBefore = forwarded("la");
    List<Long> millis = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      long start = System.nanoTime();
      HttpResponse<String> r = Http.get(la, HOST, "/");
      millis.add((System.nanoTime() - start) / 1_000_000);
      assertEquals(503, r.statusCode(), r.body());
    }
    Collections.sort(millis);
    System.out.println("503 with nobody to serve, ms: " + millis);
    assertTrue(millis.get(millis.size() / 2) < 100, "median over 100 ms: " + millis);
    assertEquals(forwardedBefore, forwarded("la"), "la forwarded with nobody ready");
  }

  private static void failed(
      List<String> failures, AtomicLong ejectedAt, AtomicLong afterEjection, String what) {
    if (ejectedAt.get() != 0) {
      afterEjection.incrementAndGet();
    }
    if (failures.size() < 20) {
      failures.add(what);
    }
  }

  private static HttpResponse<String> send(
      int port, String method, String path, String requestId, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Host", HOST)
            .timeout(Duration.ofSeconds(15))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (requestId != null) {
      b.header("X-Request-ID", requestId);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String metrics(String server) throws Exception {
    int port = playground.lsEntry(server).get("metrics_port").asInt();
    return CLIENT
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private long forwarded(String server) throws Exception {
    long total = 0;
    for (String line : metrics(server).split("\n")) {
      if (line.startsWith("tako_proxy_forwarded_total{")) {
        total += Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  private static String jsString(String s) {
    assertFalse(s.contains("'") || s.contains("\\"), s);
    return "'" + s + "'";
  }
}
