package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets end to end on a 2-region playground: set locally (encrypted in .tako/secrets.json),
 * carried by the deploy through the SSH tunnel, sealed by each node, given to the app as an
 * environment variable; no plaintext anywhere on disk; {@code secrets set --sync} under steady load
 * restarts the app with the new value everywhere without a failed request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedPlaygrounds.class)
class SecretsIT {
  static final List<String> REGIONS = List.of("la", "nyc");
  static final String FIRST = "first-secret-8f3a91";
  static final String SECOND = "second-secret-27c4d0";

  @TempDir static Path tmp;
  LocalPlayground playground;
  TakoCli tako;
  Map<String, Integer> proxyPorts;

  @BeforeAll
  void up() throws Exception {
    playground = SharedPlaygrounds.of(REGIONS);
    tako = playground.tako;
    proxyPorts = playground.proxyPorts;
  }

  TakoCli.Result withStdin(Path cwd, String stdin, String... args) throws Exception {
    return tako.runWithStdin(cwd, stdin, args);
  }

  @Test
  void aSecretReachesTheAppEverywhereAndIsNeverOnDiskInClear() throws Exception {
    Path app = Apps.write(tmp.resolve("vault"), "vault", "v", "", REGIONS);
    // The app prints its secret in the body after the usual fields.
    Files.writeString(
        app.resolve("server.js"),
        Files.readString(app.resolve("server.js"))
            .replace(
                "+ process.env.TAKO_REGION",
                "+ process.env.TAKO_REGION + '|' + process.env.API_KEY"));
    TakoCli.Result set = withStdin(app, FIRST + "\n", "secrets", "set", "API_KEY");
    assertEquals(0, set.exit(), set::toString);
    assertFalse(set.out().contains(FIRST) || set.err().contains(FIRST));
    TakoCli.Result ls = tako.run(app, "secrets", "ls", "--json");
    assertEquals("API_KEY", ls.json().get("secrets").get(0).get("name").asText());

    TakoCli.Result deploy = tako.run(app, "deploy", "--json");
    assertEquals(0, deploy.exit(), deploy::toString);
    assertFalse(deploy.out().contains(FIRST) || deploy.err().contains(FIRST));
    for (String region : REGIONS) {
      HttpResponse<String> r = Http.get(proxyPorts.get(region), "vault.localhost", "/");
      assertTrue(r.body().endsWith("|" + FIRST), r.body());
    }
    TakoCli.Result status = tako.run(app, "status", "--json");
    assertFalse(status.out().contains(FIRST));
    // Unchanged secrets are not sent again.
    TakoCli.Result again = tako.run(app, "deploy", "--json");
    assertEquals(0, again.exit(), again::toString);
    assertTrue(again.err().contains("unchanged on la, nyc, not sent"), again::toString);

    // Steady load while the secret changes: every answer 2xx, then the new value everywhere.
    List<LoadGenerator.Target> targets = new ArrayList<>();
    REGIONS.forEach(r -> targets.add(new LoadGenerator.Target(r, proxyPorts.get(r))));
    LoadGenerator load =
        LoadGenerator.start(
            targets,
            "vault.localhost",
            2,
            1,
            200_000,
            Duration.ofSeconds(90),
            Duration.ofMillis(5));
    TakoCli.Result sync;
    LoadGenerator.Stats stats;
    try {
      sync = withStdin(app, SECOND, "secrets", "set", "API_KEY", "--sync");
    } finally {
      stats = load.stop();
    }
    assertEquals(0, sync.exit(), sync::toString);
    assertEquals(0, stats.failures(), stats::toString);
    assertTrue(stats.ok() > 50, stats::toString);
    for (String region : REGIONS) {
      HttpResponse<String> r = Http.get(proxyPorts.get(region), "vault.localhost", "/");
      assertTrue(r.body().endsWith("|" + SECOND), r.body());
    }

    // No plaintext in the project, the CLI's home, any node home, journal or log.
    for (Path root : List.of(app, tako.home)) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
          assertFalse(text.contains(FIRST) || text.contains(SECOND), "plaintext secret in " + f);
        }
      }
    }
  }

  @Test
  void aWrongPassphraseFailsTheKeyImportClearly() throws Exception {
    Path app = Apps.write(tmp.resolve("keyed"), "keyed", "k", "", REGIONS);
    assertEquals(0, withStdin(app, "x", "secrets", "set", "TOKEN").exit());
    Map<String, String> env = new HashMap<>(tako.env);
    env.put("TAKO_PASSPHRASE", "a good passphrase");
    TakoCli withPass = new TakoCli(tako.home, env);
    TakoCli.Result export = withPass.run(app, "secrets", "key", "export");
    assertEquals(0, export.exit(), export::toString);
    String line = export.out().trim();

    Map<String, String> other = new HashMap<>(tako.env);
    other.put("TAKO_PASSPHRASE", "not the passphrase");
    TakoCli teammate = new TakoCli(Files.createDirectories(tmp.resolve("teammate")), other);
    Path in = Files.writeString(tmp.resolve("line.txt"), line);
    TakoCli.Result wrong = importKey(teammate, app, in);
    assertEquals(1, wrong.exit(), wrong::toString);
    assertTrue(wrong.err().contains("wrong passphrase"), wrong::toString);
    TakoCli good = new TakoCli(teammate.home, env);
    assertEquals(0, importKey(good, app, in).exit());
    assertEquals(
        Files.readString(tako.home.resolve("keys/keyed.production.key")),
        Files.readString(teammate.home.resolve("keys/keyed.production.key")));
  }

  private TakoCli.Result importKey(TakoCli cli, Path app, Path stdin)
      throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(
                TakoCli.dist().resolve("bin/tako").toString(), "secrets", "key", "import")
            .directory(app.toFile());
    pb.environment().put("TAKO_HOME", cli.home.toString());
    pb.environment().putAll(cli.env);
    pb.redirectInput(stdin.toFile());
    Path out = tmp.resolve("imp-out.txt");
    Path err = tmp.resolve("imp-err.txt");
    pb.redirectOutput(out.toFile());
    pb.redirectError(err.toFile());
    int exit = pb.start().waitFor();
    return new TakoCli.Result(exit, Files.readString(out), Files.readString(err));
  }
}
