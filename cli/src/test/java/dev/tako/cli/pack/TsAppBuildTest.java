package dev.tako.cli.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tako.protocol.deps.Corepack;
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
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/ts-app builds as a deploy builds it: the real {@code npm ci} (from the npm registry) and
 * {@code tsc} in a copy, the packed files are what [build].include names, and the packed app runs
 * with plain node and answers its health check (what a server does with the release; the playground
 * deploy is BuildScriptIT). About 20 s, most of it npm ci.
 */
class TsAppBuildTest {
  @TempDir Path dir;

  @Test
  void theTypeScriptExampleBuildsPacksAndRuns() throws Exception {
    assumeTrue(Corepack.onPath("npm", System.getenv("PATH")).isPresent(), "npm is not installed");
    Path example = Path.of("..", "examples", "ts-app").toAbsolutePath().normalize();
    Path app = dir.resolve("ts-app");
    copy(example, app);
    List<String> progress = new ArrayList<>();

    Path built = LocalBuild.prepare(app, null, app.resolve(".tako"), progress::add);

    assertEquals(
        List.of("building: npm ci", "building: npm run build (tsc)"), progress, "the steps");
    assertTrue(Files.isRegularFile(built.resolve("dist/server.js")));
    assertFalse(Files.exists(app.resolve("dist")), "the example's tree stays clean");
    List<String> packed =
        Packer.select(built, List.of("dist/**", "package.json", "package-lock.json"), List.of());
    assertEquals(List.of("dist/server.js", "package-lock.json", "package.json"), packed);
    assertTrue(
        Packer.select(built, List.of(), List.of()).stream()
            .noneMatch(f -> f.contains("node_modules")),
        "node_modules is never packed");

    // The release as a server runs it: only the packed files, `node dist/server.js`.
    Path release = dir.resolve("release");
    for (String f : packed) {
      Files.createDirectories(release.resolve(f).getParent());
      Files.copy(built.resolve(f), release.resolve(f));
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb = new ProcessBuilder("node", "dist/server.js").directory(release.toFile());
    pb.environment().putAll(Map.of("PORT", "" + port, "HOST", "127.0.0.1", "GREETING", "Hi"));
    pb.redirectErrorStream(true).redirectOutput(dir.resolve("app.log").toFile());
    Process p = pb.start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      var request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
              .timeout(Duration.ofSeconds(2))
              .build();
      String body =
          Awaitility.await()
              .atMost(Duration.ofSeconds(10))
              .ignoreExceptionsInstanceOf(IOException.class)
              .until(
                  () -> http.send(request, HttpResponse.BodyHandlers.ofString()).body(), b -> true);
      assertTrue(body != null && body.contains("Hi from TypeScript"), "answer: " + body);
    } finally {
      p.destroy();
      p.waitFor();
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    try (var paths = Files.walk(from)) {
      for (Path f : paths.toList()) {
        String rel = from.relativize(f).toString();
        if (rel.startsWith("node_modules") || rel.startsWith("dist") || rel.startsWith(".tako")) {
          continue;
        }
        if (Files.isDirectory(f)) {
          Files.createDirectories(to.resolve(rel));
        } else {
          Files.copy(f, to.resolve(rel));
        }
      }
    }
  }
}
