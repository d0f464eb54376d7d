package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale to zero (issue 4, item 4) on a 1-region playground through the packaged CLI: after {@code
 * tako scale 0} the instance stops; concurrent requests to the cold app share one start and all get
 * 200; after {@code idle_timeout} (2 s here) the instance stops again. Also measures the cold-start
 * overhead (BENCH.md "Cold start"): first-request latency of the cold app minus the app's own
 * start-to-healthy time, both polled the same way.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedPlaygrounds.class)
class ScaleToZeroIT {
  static final String HOST = "cold.localhost";

  @TempDir static Path tmp;
  LocalPlayground pg;
  TakoCli tako;
  int proxyPort;
  Path dir;
  final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .executor(Executors.newFixedThreadPool(8))
          .build();

  @BeforeAll
  void up() throws Exception {
    pg = SharedPlaygrounds.of(List.of("la"));
    tako = pg.tako;
    proxyPort = pg.proxyPorts.get("la");
    dir = writeApp(tmp.resolve("cold"));
  }

  /** Answers its pid on every path, 200 on /healthz; idle_timeout = "2s". */
  static Path writeApp(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("server.js"), SERVER);
    Files.writeString(
        dir.resolve("tako.toml"),
        "name = \"cold\"\nruntime = \"node\"\nmain = \"server.js\"\nhealth = \"/healthz\"\n"
            + "idle_timeout = \"2s\"\n\n"
            + "[envs.production]\nroutes = [\""
            + HOST
            + "\"]\nservers = [\"la\"]\n");
    return dir;
  }

  static final String SERVER =
      "require('http').createServer((q, s) => {\n"
          + "  if (q.url === '/healthz') { s.end('ok'); return; }\n"
          + "  s.end(String(process.pid));\n"
          + "}).listen(+process.env.PORT, process.env.HOST);\n";

  @Test
  void coldAppStartsOnceForConcurrentRequestsAndStopsWhenIdle() throws Exception {
    TakoCli.Result deploy = tako.run(dir, Duration.ofMinutes(2), "deploy", "--json");
    assertEquals(0, deploy.exit(), deploy::toString);
    long warm = Long.parseLong(Http.get(proxyPort, HOST, "/").body());

    TakoCli.Result scale = tako.run(dir, "scale", "0", "--json");
    assertEquals(0, scale.exit(), scale::toString);
    awaitCold();
    assertFalse(LocalPlayground.alive(warm), "the warm instance stopped");

    // 100 concurrent requests to the cold app: one start, all 200.
    long first = concurrentColdRequests(100);
    assertNotEquals(warm, first);
    assertTrue(LocalPlayground.alive(first), "the woken instance runs");
    // The CLI may take about as long as idle_timeout: the instance may be gone already.
    JsonNode server = server();
    assertEquals(0, server.get("desired").asInt(), server::toString);
    for (JsonNode i : server.get("instances")) {
      assertEquals(first, i.get("pid").asLong(), server::toString);
    }

    // idle_timeout (2 s) later it stops again.
    awaitCold();
    assertFalse(LocalPlayground.alive(first), "the woken instance stopped when idle");

    // 500 simultaneous requests: still exactly one process.
    long second = concurrentColdRequests(500);
    assertNotEquals(first, second);
    awaitCold();

    // Cold-start overhead, BENCH.md "Cold start".
    // Interleaved, after one unrecorded direct start (warms up the test's own HTTP client).
    ownStartToHealthyMillis();
    List<Long> cold = new ArrayList<>();
    List<Long> own = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      own.add(ownStartToHealthyMillis());
      long t0 = System.nanoTime();
      HttpResponse<String> r = Http.get(proxyPort, HOST, "/");
      cold.add((System.nanoTime() - t0) / 1_000_000);
      assertEquals(200, r.statusCode(), r::body);
      awaitCold();
    }
    long coldMedian = median(cold);
    long ownMedian = median(own);
    System.out.printf(
        "Cold start: first request %s ms (median %d), app start-to-healthy %s ms (median %d),"
            + " overhead %d ms%n",
        cold, coldMedian, own, ownMedian, coldMedian - ownMedian);
  }

  /** Fires n requests at once; asserts all 200 from one pid and returns it. */
  private long concurrentColdRequests(int n) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + proxyPort + "/");
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(
          client.sendAsync(
              HttpRequest.newBuilder(uri)
                  .header("Host", HOST)
                  .timeout(Duration.ofSeconds(40))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    Map<Integer, Integer> statuses = new TreeMap<>();
    Set<String> pids = new HashSet<>();
    for (var f : all) {
      HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
      statuses.merge(r.statusCode(), 1, Integer::sum);
      if (r.statusCode() == 200) {
        pids.add(r.body());
      }
    }
    assertEquals(Map.of(200, n), statuses, () -> "statuses of " + n + " cold requests");
    assertEquals(1, pids.size(), () -> "one process answered them all: " + pids);
    return Long.parseLong(pids.iterator().next());
  }

  private JsonNode server() throws Exception {
    TakoCli.Result status = tako.run(dir, "status", "--json");
    assertEquals(0, status.exit(), status::toString);
    return StatusJson.serverEntry(status.json(), "cold", "la");
  }

  /** Awaits status showing desired 0 and no instance. */
  private void awaitCold() {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              JsonNode s = server();
              return s.get("desired").asInt() == 0 && s.get("instances").isEmpty();
            });
  }

  /** The app started directly; /healthz polled every 15 ms, as a cold start does. */
  private long ownStartToHealthyMillis() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    ProcessBuilder pb = new ProcessBuilder("node", "server.js").directory(dir.toFile());
    pb.environment().put("PORT", String.valueOf(port));
    pb.environment().put("HOST", "127.0.0.1");
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    HttpClient direct = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest health =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
            .timeout(Duration.ofSeconds(1))
            .build();
    long t0 = System.nanoTime();
    Process p = pb.start();
    try {
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(15))
          .until(
              () -> {
                try {
                  return direct.send(health, HttpResponse.BodyHandlers.discarding()).statusCode()
                      == 200;
                } catch (IOException e) {
                  return false;
                }
              });
      return (System.nanoTime() - t0) / 1_000_000;
    } finally {
      ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroy);
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
