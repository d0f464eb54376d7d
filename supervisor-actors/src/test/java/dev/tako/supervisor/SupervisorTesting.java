package dev.tako.supervisor;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Short timers and tiny Node.js apps for the supervisor tests. */
final class SupervisorTesting {

  private SupervisorTesting() {}

  static SupervisorSettings settings() {
    return settings(Duration.ofSeconds(5));
  }

  static SupervisorSettings settings(Duration startTimeout) {
    return settings("start-timeout = " + startTimeout.toMillis() + "ms");
  }

  /** Short timers for tests, with HOCON overrides of {@code tako.supervisor} on top. */
  static SupervisorSettings settings(String overrides) {
    return SupervisorSettings.fromConfig(
        com.typesafe.config.ConfigFactory.parseString(
                "tako.supervisor { probe-interval = 50ms, starting-probe-interval = 50ms,"
                    + " probe-timeout = 1s, start-timeout = 5s, stability-window = 200ms,"
                    + " failures-to-unroute = 2, failures-to-replace = 3, drain-delay = 100ms,"
                    + " term-grace = 2s, backoff-min = 100ms, backoff-max = 1s,"
                    + " backoff-reset = 60s }\n"
                    + "tako.supervisor { "
                    + overrides
                    + " }")
            .withFallback(com.typesafe.config.ConfigFactory.defaultReference()));
  }

  /** An HTTP server answering JSON of its environment; /crash exits 1, /sick fails health. */
  static final String SERVER =
      """
      const http = require('http');
      let sick = false;
      console.log('out: starting ' + process.env.TAKO_RELEASE);
      console.error('err: starting ' + process.env.TAKO_RELEASE);
      http.createServer((q, s) => {
        if (q.url === '/crash') { console.error('crashing on request'); process.exit(1); }
        if (q.url === '/sick') { sick = true; s.end('ok'); return; }
        if (q.url === '/health' && sick) { s.statusCode = 503; s.end('sick'); return; }
        s.setHeader('content-type', 'application/json');
        s.end(JSON.stringify({release: process.env.TAKO_RELEASE, env: process.env}));
      }).listen(+process.env.PORT, process.env.HOST);
      """;

  static ReleaseSpec spec(Path root, String release, String script) throws IOException {
    Path releaseDir = Files.createDirectories(root.resolve("releases").resolve(release));
    Files.writeString(releaseDir.resolve("server.js"), script);
    return new ReleaseSpec(
        "hello",
        "production",
        release,
        releaseDir,
        List.of("node", "server.js"),
        Map.of(
            "TAKO_APP", "hello",
            "TAKO_ENV", "production",
            "TAKO_RELEASE", release,
            "GREETING", "hi"),
        "/health",
        root.resolve("logs"),
        root.resolve("run"));
  }

  static String get(int port, String path) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(2))
            .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
