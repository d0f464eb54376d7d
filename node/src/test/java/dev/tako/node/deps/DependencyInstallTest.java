package dev.tako.node.deps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real npm installs, offline: the only dependency is a local tarball in the install directories'
 * parent, which the lockfile names relative to the temporary install directory.
 */
class DependencyInstallTest {
  @TempDir Path tmp;
  Path deps;
  Path logs;

  @BeforeEach
  void tarball() throws Exception {
    assumeTrue(run(tmp, "npm", "--version") == 0, "npm is not installed");
    deps = Files.createDirectories(tmp.resolve("deps"));
    logs = Files.createDirectories(tmp.resolve("logs"));
    Path lib = Files.createDirectories(tmp.resolve("tiny"));
    Files.writeString(lib.resolve("package.json"), "{\"name\":\"tiny\",\"version\":\"1.0.0\"}");
    Files.writeString(lib.resolve("index.js"), "module.exports = 42;\n");
    assertEquals(0, run(lib, "npm", "pack", "--pack-destination", deps.toString()));
  }

  /** A release whose lockfile resolves {@code file:../<tgz>} from a directory inside deps/. */
  private Path release(String id, String tgz, String code) throws Exception {
    Path gen = Files.createDirectories(deps.resolve(".gen-" + id));
    Files.writeString(
        gen.resolve("package.json"),
        "{\"name\":\"app\",\"dependencies\":{\"tiny\":\"file:../" + tgz + "\"}}");
    assertEquals(0, run(gen, "npm", "install", "--package-lock-only", "--offline", "--no-audit"));
    Path release = Files.createDirectories(tmp.resolve("releases").resolve(id));
    Files.copy(gen.resolve("package.json"), release.resolve("package.json"));
    Files.copy(gen.resolve("package-lock.json"), release.resolve("package-lock.json"));
    Files.writeString(release.resolve("server.js"), code);
    DependencyInstall.deleteTree(gen);
    return release;
  }

  @Test
  void installsOnceAndSharesTheDirectory() throws Exception {
    Path r1 = release("r1", "tiny-1.0.0.tgz", "1");
    Optional<String> first =
        DependencyInstall.install(r1, deps, logs, "app", Duration.ofMinutes(2));
    assertTrue(first.orElseThrow().startsWith("dependencies installed in "), first.toString());
    assertTrue(Files.isSymbolicLink(r1.resolve("node_modules")));
    assertTrue(Files.isRegularFile(r1.resolve("node_modules/tiny/index.js")));
    assertTrue(
        Files.readString(logs.resolve("app-install.out.log")).contains("$ npm ci --omit=dev"));

    Path r2 = release("r2", "tiny-1.0.0.tgz", "2");
    assertEquals(
        Optional.of("dependencies unchanged"),
        DependencyInstall.install(r2, deps, logs, "app", Duration.ofMinutes(2)));
    assertEquals(
        Files.readSymbolicLink(r1.resolve("node_modules")),
        Files.readSymbolicLink(r2.resolve("node_modules")));
    try (Stream<Path> s = Files.list(deps)) {
      assertEquals(1, s.filter(p -> !p.getFileName().toString().endsWith(".tgz")).count());
    }
  }

  @Test
  void noDependenciesNothingToInstall() throws Exception {
    Path r = Files.createDirectories(tmp.resolve("releases/plain"));
    Files.writeString(r.resolve("package.json"), "{\"name\":\"plain\",\"devDependencies\":{}}");
    assertEquals(
        Optional.empty(), DependencyInstall.install(r, deps, logs, "app", Duration.ofMinutes(1)));
    assertFalse(Files.exists(r.resolve("node_modules")));
  }

  @Test
  void aFailedInstallLeavesNothingAndCarriesNpmsErrors() throws Exception {
    Path r = release("bad", "tiny-1.0.0.tgz", "1");
    // package.json no longer matches its lockfile: npm ci refuses (offline, at once).
    Files.writeString(
        r.resolve("package.json"),
        "{\"name\":\"app\",\"dependencies\":{\"tiny\":\"file:../missing-9.9.9.tgz\"}}");
    InstallFailed e =
        assertThrows(
            InstallFailed.class,
            () -> DependencyInstall.install(r, deps, logs, "app", Duration.ofMinutes(2)));
    assertTrue(e.getMessage().contains("npm ci --omit=dev"), e.getMessage());
    assertFalse(e.lastStderr().isEmpty());
    assertTrue(String.join("\n", e.lastStderr()).contains("npm error"), e.lastStderr().toString());
    assertFalse(Files.exists(r.resolve("node_modules")));
    try (Stream<Path> s = Files.list(deps)) {
      assertEquals(
          List.of(deps.resolve("tiny-1.0.0.tgz")),
          s.toList(),
          "no install directory, no temporary one");
    }
  }

  private static int run(Path dir, String... command) throws Exception {
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    return p.waitFor(2, TimeUnit.MINUTES) ? p.exitValue() : -1;
  }
}
