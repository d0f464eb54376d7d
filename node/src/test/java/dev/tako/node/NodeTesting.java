package dev.tako.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.supervisor.SupervisorSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Configuration, artifacts, tiny Node.js apps and process checks shared by the node's tests. */
public final class NodeTesting {
  public static final String APP = "hello";
  public static final String ENV = "production";
  public static final String ROUTE = "hello.test";

  private NodeTesting() {}

  /** A temporary directory deleted when the JVM exits. */
  public static Path tempDir(String prefix) {
    try {
      Path dir = Files.createTempDirectory(prefix);
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A local actor system as a node would run it (the node's own serialization bindings), with
   * messages serialized on every send, the in-memory journal and short supervisor timers.
   */
  public static Config localConfig(Path snapshots) {
    return ConfigFactory.parseString(
            """
            pekko.actor.provider = local
            pekko.actor.serialize-messages = on
            # The supervisor's commands are local only (paths, processes) and live in a module that
            # tests its cross-node replies itself; the route table's are marked local already.
            pekko.actor.no-serialization-verification-needed-class-prefix = [
              "org.apache.pekko.",
              "dev.tako.supervisor.AppSupervisor$StartCandidate",
              "dev.tako.supervisor.AppSupervisor$PromoteCandidate",
              "dev.tako.supervisor.AppSupervisor$AbortCandidate",
              "dev.tako.supervisor.AppSupervisor$Scale",
              "dev.tako.supervisor.AppSupervisor$Restore",
              "dev.tako.supervisor.AppSupervisor$StopAll",
              "dev.tako.supervisor.AppSupervisor$Retire",
              "dev.tako.supervisor.AppSupervisor$GetStatus",
              "dev.tako.supervisor.AppSupervisor$FromInstance",
              "dev.tako.supervisor.AppSupervisor$InstanceGone",
              "dev.tako.supervisor.AppSupervisor$RestartDue",
              "dev.tako.supervisor.AppSupervisor$DrainElapsed",
              "dev.tako.supervisor.Instance$"
            ]
            pekko.coordinated-shutdown.exit-jvm = off
            pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            pekko.loglevel = WARNING
            pekko.persistence.journal.plugin = "pekko.persistence.journal.inmem"
            pekko.persistence.snapshot-store.plugin = "pekko.persistence.snapshot-store.local"
            tako.supervisor {
              probe-interval = 50ms
              starting-probe-interval = 50ms
              probe-timeout = 1s
              start-timeout = 10s
              stability-window = 200ms
              drain-delay = 100ms
              term-grace = 2s
              backoff-min = 100ms
              backoff-max = 1s
            }
            """)
        .withValue(
            "pekko.persistence.snapshot-store.local.dir",
            com.typesafe.config.ConfigValueFactory.fromAnyRef(snapshots.toString()))
        .withFallback(ConfigFactory.parseResources(NodeTesting.class, "/tako-node.conf"))
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  public static SupervisorSettings supervisorSettings(Config config) {
    return SupervisorSettings.fromConfig(config);
  }

  public static NodeSettings nodeSettings(String server, Path home) {
    return new NodeSettings(
        new dev.tako.protocol.config.NodeConf(
            server,
            "region-" + server,
            "127.0.0.1",
            "127.0.0.1",
            0,
            8080,
            0,
            0,
            0,
            "127.0.0.1",
            0,
            List.of(),
            null),
        home,
        4,
        Duration.ofSeconds(5),
        Duration.ofMinutes(2),
        Duration.ofSeconds(30),
        Duration.ofMinutes(1),
        Duration.ofMinutes(10),
        256L * 1024 * 1024,
        Duration.ofDays(30));
  }

  /**
   * An HTTP app answering its pid and TAKO_* variables as JSON. It records its pid under
   * TAKO_DATA_DIR/pids so tests can find (and clean up) every process it ever ran. It exits at
   * once, with a message on stderr, on the server named by CRASH_ON.
   */
  public static final String SERVER_JS =
      """
      const fs = require('fs');
      const http = require('http');
      const pids = process.env.TAKO_DATA_DIR + '/pids';
      fs.mkdirSync(pids, {recursive: true});
      fs.writeFileSync(pids + '/' + process.pid, '');
      if (process.env.CRASH_ON === process.env.TAKO_SERVER) {
        console.error('boom: refusing to start on ' + process.env.TAKO_SERVER);
        process.exit(3);
      }
      http.createServer((q, s) => {
        const env = {};
        for (const k of Object.keys(process.env)) {
          if (k.startsWith('TAKO_') || k === 'GREETING') env[k] = process.env[k];
        }
        s.setHeader('content-type', 'application/json');
        s.end(JSON.stringify({pid: process.pid, env: env}));
      }).listen(+process.env.PORT, process.env.HOST);
      """;

  /** Packs files into {@code <home>/artifacts/<sha256>.tar.gz} and returns the SHA-256. */
  public static String pack(Path home, Map<String, String> files) {
    try {
      Path dir = Files.createDirectories(home.resolve("artifacts"));
      Path tmp = Files.createTempFile(dir, "upload-", ".part");
      try (OutputStream out = Files.newOutputStream(tmp);
          TarArchiveOutputStream tar =
              new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
        for (var file : files.entrySet()) {
          byte[] data = file.getValue().getBytes(StandardCharsets.UTF_8);
          TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
          entry.setSize(data.length);
          entry.setMode(0644);
          tar.putArchiveEntry(entry);
          tar.write(data);
          tar.closeArchiveEntry();
        }
      }
      String sha = sha256(tmp);
      Files.move(tmp, dir.resolve(sha + ".tar.gz"));
      return sha;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies an artifact into another server's home, as an upload to that server would. */
  public static void copyArtifact(Path fromHome, Path toHome, String sha) throws IOException {
    Path to = Files.createDirectories(toHome.resolve("artifacts")).resolve(sha + ".tar.gz");
    Files.copy(fromHome.resolve("artifacts").resolve(sha + ".tar.gz"), to);
  }

  public static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static DeployRequest request(String release, String sha, List<String> servers) {
    return request(release, sha, servers, Map.of("GREETING", "hi"));
  }

  public static DeployRequest request(
      String release, String sha, List<String> servers, Map<String, String> vars) {
    return new DeployRequest(
        APP,
        ENV,
        release,
        sha,
        List.of("node", "server.js"),
        "/",
        1,
        "5m",
        null,
        vars,
        List.of(ROUTE),
        servers,
        "atomic",
        null,
        null,
        null,
        null,
        "tester@laptop",
        "2026-01-01T00:00:00Z");
  }

  public static HttpResponse<String> get(String host, int port, String path)
      throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
            .timeout(Duration.ofSeconds(5))
            .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Every pid an app ever ran under this home (see {@link #SERVER_JS}). */
  public static List<Long> pids(Path home) {
    Path apps = home.resolve("apps");
    if (!Files.isDirectory(apps)) {
      return List.of();
    }
    List<Long> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(apps)) {
      files
          .filter(
              p -> p.getParent() != null && p.getParent().getFileName().toString().equals("pids"))
          .forEach(p -> out.add(Long.parseLong(p.getFileName().toString())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  public static List<Long> alivePids(Path home) {
    return pids(home).stream().filter(NodeTesting::alive).toList();
  }

  public static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** Last resort after a test: no process of ours outlives it. */
  public static void killLeftovers(Path home) {
    for (long pid : alivePids(home)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }
}
