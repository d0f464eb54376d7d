package dev.tako.node.deps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tako.protocol.deps.Corepack;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real pnpm and yarn installs of a release with one dependency ({@code ms}) from its committed
 * lockfile (src/test/resources/deps), from the npm registry, with pnpm and yarn through corepack
 * when they are not installed (SPEC §10). The test warms corepack's cache itself with {@code
 * COREPACK_INTEGRITY_KEYS=0}: the registry these tests run against serves no signatures, and the
 * product never switches that check off. bun is not installed where these run: only its refusal is
 * tested here (its command lines are in PackageManagerTest).
 */
class PackageManagersInstallTest {
  @TempDir Path tmp;

  @ParameterizedTest(name = "{0}")
  @CsvSource({"pnpm-app, pnpm-lock.yaml, pnpm", "yarn-app, yarn.lock, yarn"})
  void installsFromTheLockfileOnceAndThenSharesIt(String fixture, String lockfile, String pm)
      throws Exception {
    String path = System.getenv("PATH");
    assumeTrue(
        Corepack.onPath(pm, path).isPresent() || Corepack.onPath("corepack", path).isPresent(),
        "neither " + pm + " nor corepack is installed");
    Path deps = Files.createDirectories(tmp.resolve("deps"));
    Path logs = Files.createDirectories(tmp.resolve("logs"));
    Path r1 = release(fixture, lockfile, "r1");
    warmCorepack(pm, r1);

    Optional<String> first =
        DependencyInstall.install(r1, deps, logs, "app", Duration.ofMinutes(3));

    assertTrue(first.orElseThrow().startsWith("dependencies installed in "), first.toString());
    String log = Files.readString(logs.resolve("app-install.out.log"));
    List<String> expected =
        DependencyInstall.withCorepack(
            pm.equals("pnpm")
                ? List.of("pnpm", "install", "--prod", "--frozen-lockfile")
                : List.of("yarn", "install", "--production", "--frozen-lockfile"));
    assertTrue(log.contains("$ " + String.join(" ", expected)), log);
    assertEquals("7200000\n", node(r1, "console.log(require('ms')('2h'))"));

    Path r2 = release(fixture, lockfile, "r2");
    assertEquals(
        Optional.of("dependencies unchanged"),
        DependencyInstall.install(r2, deps, logs, "app", Duration.ofMinutes(3)));
    assertEquals("7200000\n", node(r2, "console.log(require('ms')('2h'))"));
  }

  @Test
  void bunIsNamedWhenTheServerHasNone() throws Exception {
    assumeTrue(Corepack.onPath("bun", System.getenv("PATH")).isEmpty(), "bun is installed here");
    Path r = Files.createDirectories(tmp.resolve("releases/bun"));
    Files.writeString(r.resolve("package.json"), "{\"dependencies\":{\"ms\":\"2.1.3\"}}");
    Files.writeString(r.resolve("bun.lock"), "{}");
    InstallFailed e =
        assertThrows(
            InstallFailed.class,
            () ->
                DependencyInstall.install(
                    r, tmp.resolve("deps"), tmp.resolve("logs"), "app", Duration.ofMinutes(1)));
    assertEquals(
        "cannot install dependencies: bun is not installed on this server", e.getMessage());
  }

  private Path release(String fixture, String lockfile, String id) throws Exception {
    Path release = Files.createDirectories(tmp.resolve("releases").resolve(id));
    for (String f : List.of("package.json", lockfile)) {
      try (var in = getClass().getResourceAsStream("/deps/" + fixture + "/" + f)) {
        Files.copy(in, release.resolve(f));
      }
    }
    Files.writeString(release.resolve("server.js"), id);
    return release;
  }

  /** Downloads the pinned pnpm/yarn into corepack's cache, where the install finds it. */
  private static void warmCorepack(String pm, Path dir) throws Exception {
    if (Corepack.onPath(pm, System.getenv("PATH")).isPresent()) {
      return;
    }
    ProcessBuilder pb = new ProcessBuilder("corepack", pm, "--version").directory(dir.toFile());
    pb.environment().put("COREPACK_INTEGRITY_KEYS", "0");
    pb.environment().put("COREPACK_ENABLE_DOWNLOAD_PROMPT", "0");
    pb.redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "corepack " + pm + " --version hangs");
    assertEquals(0, p.exitValue(), out);
  }

  private static String node(Path dir, String code) throws Exception {
    Process p =
        new ProcessBuilder("node", "-e", code)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }
}
