package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §10's local build and runtime checks on a 1-region playground with examples/ts-app: the
 * deploy runs {@code npm ci} and {@code npm run build} (tsc) in a copy of the project and packs
 * dist/, which answers through the proxy; {@code tako status --json} shows the member's node
 * version; an {@code engines.node} the server does not satisfy and a build that fails are both
 * refused before any upload, and the deployed release keeps serving. Needs npm and its registry.
 * The same playground serves {@code tako run}'s test (one playground, less suite time).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedPlaygrounds.class)
class BuildScriptIT {
  static final String HOST = "ts.localhost";

  @TempDir static Path tmp;
  LocalPlayground playground;
  TakoCli tako;

  @BeforeAll
  void up() throws Exception {
    playground = SharedPlaygrounds.of(List.of("la"));
    tako = playground.tako;
  }

  @Test
  void theTypeScriptExampleBuildsDeploysAndIsCheckedBeforeUpload() throws Exception {
    Path app = copyExample(tmp.resolve("ts-app"));

    TakoCli.Result first = tako.run(app, Duration.ofMinutes(8), "deploy", "--json");
    assertEquals(0, first.exit(), first::toString);
    assertTrue(first.err().contains("building: npm ci"), first::toString);
    assertTrue(first.err().contains("building: npm run build (tsc)"), first::toString);
    assertTrue(first.err().contains("engines: node >=18 satisfied on la"), first::toString);
    assertTrue(first.err().contains("timings: "), first::toString);
    assertFalse(Files.exists(app.resolve("dist")), "the build ran in a copy");
    String release = first.json().get("release").asText();
    HttpResponse<String> r = Http.get(playground.proxyPorts.get("la"), HOST, "/");
    assertEquals(200, r.statusCode(), r::body);
    assertTrue(r.body().contains("Hello from TypeScript") && r.body().contains(release), r.body());

    // The member's runtimes, as the engines check read them.
    TakoCli.Result status = tako.run(app, Duration.ofMinutes(1), "status", "--json");
    assertEquals(0, status.exit(), status::toString);
    JsonNode member = status.json().get("cluster").get("members").get(0);
    String node = member.get("runtimes").get("node").asText();
    assertTrue(node.matches("\\d+\\.\\d+\\.\\d+.*"), status::toString);

    // A node the server does not have: refused before the build and the upload.
    replaceIn(app.resolve("package.json"), "\">=18\"", "\">=99\"");
    Files.writeString(
        app.resolve("src/server.ts"),
        Files.readString(app.resolve("src/server.ts")).replace("from TypeScript", "from v2"));
    TakoCli.Result engines = tako.run(app, Duration.ofMinutes(3), "deploy", "--json");
    assertEquals(1, engines.exit(), engines::toString);
    assertTrue(
        engines.err().contains("la has node " + node + ", package.json engines.node wants >=99"),
        engines::toString);
    assertFalse(engines.err().contains("building:"), engines::toString);
    assertFalse(uploaded(engines), engines::toString);

    // A type error: the build fails with tsc's words, nothing is uploaded.
    replaceIn(app.resolve("package.json"), "\">=99\"", "\">=18\"");
    Files.writeString(
        app.resolve("src/server.ts"),
        Files.readString(app.resolve("src/server.ts")) + "\nconst broken: number = \"text\";\n");
    TakoCli.Result failed = tako.run(app, Duration.ofMinutes(5), "deploy", "--json");
    assertEquals(1, failed.exit(), failed::toString);
    assertTrue(failed.err().contains("the build script failed (npm run build"), failed::toString);
    assertTrue(failed.err().contains("error TS2322"), failed::toString);
    assertFalse(uploaded(failed), failed::toString);

    HttpResponse<String> still = Http.get(playground.proxyPorts.get("la"), HOST, "/");
    assertEquals(200, still.statusCode(), still::body);
    assertTrue(still.body().contains("Hello from TypeScript"), still.body());
    assertTrue(still.body().contains(release), still.body());
  }

  /** Whether the deploy reached its upload step (the progress lines of Deployer.upload). */
  private static boolean uploaded(TakoCli.Result r) {
    return r.err().contains("la: uploaded") || r.err().contains("upload skipped");
  }

  private static void replaceIn(Path file, String from, String to) throws IOException {
    String text = Files.readString(file);
    assertTrue(text.contains(from), file + " has no " + from);
    Files.writeString(file, text.replace(from, to));
  }

  /** examples/ts-app, deployed to la only. */
  private static Path copyExample(Path to) throws IOException {
    Path example = TakoCli.dist().getParent().getParent().resolve("examples/ts-app");
    Files.createDirectories(to.resolve("src"));
    for (String f :
        List.of("package.json", "package-lock.json", "tsconfig.json", "src/server.ts")) {
      Files.copy(example.resolve(f), to.resolve(f));
    }
    Files.writeString(
        to.resolve("tako.toml"),
        Files.readString(example.resolve("tako.toml"))
            .replace("servers = [\"la\", \"nyc\"]", "servers = [\"la\"]"));
    return to;
  }

  /**
   * {@code tako run} on the same playground (its node reached over the embedded SSH server): the
   * command gets the app's secret and exits with its own code; an app that is not deployed is
   * refused with exit 1. (The same over OpenSSH, with a PTY: {@link SshAgentIT}.)
   */
  @Test
  void runGetsTheSecretAndPassesTheExitCodeThrough() throws Exception {
    Path app = Apps.write(tmp.resolve("oneoff"), "oneoff", "o", "", List.of("la"));
    TakoCli.Result early = tako.run(app, "run", "--", "true");
    assertEquals(1, early.exit(), early::toString);
    assertTrue(early.err().contains("no current release"), early::toString);

    TakoCli.Result set = tako.runWithStdin(app, "xyzzy\n", "secrets", "set", "SECRET_X");
    assertEquals(0, set.exit(), set::toString);
    TakoCli.Result deploy = tako.run(app, "deploy", "--json");
    assertEquals(0, deploy.exit(), deploy::toString);

    TakoCli.Result run =
        tako.run(app, "run", "--", "sh", "-c", "echo \"$SECRET_X|$TAKO_SERVER\"; exit 3");
    assertEquals(3, run.exit(), run::toString);
    assertEquals("xyzzy|la", run.out().trim(), run::toString);
  }
}
