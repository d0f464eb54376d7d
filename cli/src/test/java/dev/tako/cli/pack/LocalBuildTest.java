package dev.tako.cli.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.cli.CliException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local build with package.json scripts that need no registry (no dependencies: no install
 * step); {@link TsAppBuildTest} runs the real npm ci and tsc of examples/ts-app.
 */
class LocalBuildTest {
  @TempDir Path dir;
  private final List<String> progress = new ArrayList<>();

  private Path app(String packageJson) throws IOException {
    Path app = dir.resolve("app");
    Files.createDirectories(app.resolve("node_modules/left-pad"));
    Files.writeString(app.resolve("package.json"), packageJson);
    Files.writeString(app.resolve("server.js"), "require('./dist/out.js')");
    Files.writeString(app.resolve("node_modules/left-pad/index.js"), "pad");
    return app;
  }

  private Path prepare(Path app, String run) throws IOException {
    return LocalBuild.prepare(app, run, app.resolve(".tako"), progress::add);
  }

  @Test
  void withoutABuildScriptThereIsNothingToBuild() throws IOException {
    Path app = app("{\"scripts\": {\"start\": \"node server.js\"}}");
    assertEquals(app, prepare(app, null));
    assertTrue(progress.isEmpty());
    Path bare = dir.resolve("bare");
    Files.createDirectories(bare);
    assertEquals(bare, LocalBuild.prepare(bare, null, bare.resolve(".tako"), progress::add));
  }

  @Test
  void theBuildScriptRunsInACopyAndItsOutputIsPacked() throws IOException {
    Path app =
        app(
            "{\"scripts\": {\"build\": \"mkdir -p dist && echo built > dist/out.js\"},"
                + " \"dependencies\": {}}");
    Path copy = prepare(app, null);
    assertEquals(app.resolve(".tako/build"), copy);
    assertEquals("built\n", Files.readString(copy.resolve("dist/out.js")));
    assertFalse(Files.exists(app.resolve("dist")), "the user's tree stays as it is");
    assertFalse(Files.exists(copy.resolve("node_modules")), "the build installs its own");
    assertEquals(
        List.of("building: npm run build (mkdir -p dist && echo built > dist/out.js)"), progress);
    // [build].include keeps working on the build's output.
    assertEquals(
        List.of("dist/out.js", "package.json"),
        Packer.select(copy, List.of("dist/**", "package.json"), List.of()));
  }

  @Test
  void buildRunWinsOverTheBuildScript() throws IOException {
    Path app = app("{\"scripts\": {\"build\": \"exit 7\"}}");
    Path copy = prepare(app, "mkdir dist && echo run > dist/out.js");
    assertEquals("run\n", Files.readString(copy.resolve("dist/out.js")));
    assertEquals(List.of("building: mkdir dist && echo run > dist/out.js"), progress);
  }

  @Test
  void aFailingScriptFailsWithItsLastLines() throws IOException {
    StringBuilder script = new StringBuilder();
    for (int i = 1; i <= 30; i++) {
      script.append("echo line").append(i).append(" >&2; ");
    }
    script.append("echo 'src/server.ts(3,7): error TS2322' ; exit 3");
    Path app = app("{\"scripts\": {\"build\": \"" + script + "\"}}");
    CliException e = assertThrows(CliException.class, () -> prepare(app, null));
    assertEquals(CliException.FAILED, e.exitCode());
    String msg = e.getMessage();
    assertTrue(msg.startsWith("the build script failed (npm run build, exit code "), msg);
    assertTrue(msg.contains("nothing was uploaded"), msg);
    assertTrue(msg.contains("line30"), msg);
    assertTrue(msg.contains("error TS2322"), msg);
    assertFalse(msg.contains("line5\n"), "only the last lines: " + msg);
  }

  @Test
  void aMissingProgramSaysSo() {
    CliException e =
        assertThrows(
            CliException.class,
            () -> LocalBuild.run(List.of("no-such-pm-xyz", "ci"), dir, "installing failed"));
    assertEquals(CliException.FAILED, e.exitCode());
    assertTrue(e.getMessage().contains("no-such-pm-xyz is not installed here"), e.getMessage());
  }

  @Test
  void packageManagersBuildWithTheirOwnCommands() throws IOException {
    Path app = app("{\"scripts\": {\"build\": \"true\"}, \"devDependencies\": {\"x\": \"1\"}}");
    Files.writeString(app.resolve("bun.lock"), "{}");
    // bun is not installed on the machines that run these tests: the install step says so.
    CliException e = assertThrows(CliException.class, () -> prepare(app, null));
    assertTrue(
        progress.get(0).equals("building: bun install --frozen-lockfile")
            || e.getMessage().contains("bun install --frozen-lockfile"),
        progress + " " + e.getMessage());
  }
}
