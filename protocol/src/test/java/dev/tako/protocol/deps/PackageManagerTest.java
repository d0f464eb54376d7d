package dev.tako.protocol.deps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackageManagerTest {
  @TempDir Path dir;

  private PackageManager.Choice with(String lockfile) throws Exception {
    Path app = Files.createDirectories(dir.resolve(lockfile.replace('.', '_')));
    Files.writeString(app.resolve(lockfile), "");
    return PackageManager.choose(app);
  }

  @Test
  void theLockfilePicksTheManager() throws Exception {
    assertEquals(PackageManager.NPM, with("package-lock.json").manager());
    assertEquals(PackageManager.PNPM, with("pnpm-lock.yaml").manager());
    assertEquals(PackageManager.YARN, with("yarn.lock").manager());
    assertEquals(PackageManager.BUN, with("bun.lock").manager());
    assertEquals(PackageManager.BUN, with("bun.lockb").manager());
    assertEquals("yarn.lock", with("yarn.lock").lockfile());
  }

  @Test
  void noLockfileIsNpmInstallNotReproducible() {
    PackageManager.Choice c = PackageManager.choose(dir);
    assertEquals(PackageManager.NPM, c.manager());
    assertNull(c.lockfile());
    assertFalse(c.reproducible());
    assertEquals(List.of("npm", "install", "--omit=dev"), c.installCommand());
  }

  @Test
  void installCommandsOfSpec10() throws Exception {
    assertEquals(List.of("npm", "ci", "--omit=dev"), with("package-lock.json").installCommand());
    assertEquals(
        List.of("pnpm", "install", "--prod", "--frozen-lockfile"),
        with("pnpm-lock.yaml").installCommand());
    assertEquals(
        List.of("yarn", "install", "--production", "--frozen-lockfile"),
        with("yarn.lock").installCommand());
    assertEquals(
        List.of("bun", "install", "--production", "--frozen-lockfile"),
        with("bun.lock").installCommand());
    assertEquals(List.of("bun", "--version"), with("bun.lockb").runtimeVersionCommand());
    assertEquals(List.of("node", "--version"), with("yarn.lock").runtimeVersionCommand());
  }

  @Test
  void npmsLockfileWinsOverOthers() throws Exception {
    Files.writeString(dir.resolve("yarn.lock"), "");
    Files.writeString(dir.resolve("package-lock.json"), "");
    assertEquals(PackageManager.NPM, PackageManager.choose(dir).manager());
  }

  @Test
  void buildInstallsIncludeDevDependenciesFromTheLockfile() throws Exception {
    assertEquals(List.of("npm", "ci"), with("package-lock.json").buildInstallCommand());
    assertEquals(List.of("npm", "install"), PackageManager.choose(dir).buildInstallCommand());
    assertEquals(
        List.of("pnpm", "install", "--frozen-lockfile"),
        with("pnpm-lock.yaml").buildInstallCommand());
    assertEquals(
        List.of("yarn", "install", "--frozen-lockfile"), with("yarn.lock").buildInstallCommand());
    assertEquals(
        List.of("bun", "install", "--frozen-lockfile"), with("bun.lockb").buildInstallCommand());
  }

  @Test
  void scriptsRunThroughTheirPackageManager() throws Exception {
    assertEquals(
        List.of("npm", "run", "build"), PackageManager.choose(dir).runScriptCommand("build"));
    assertEquals(List.of("pnpm", "run", "build"), with("pnpm-lock.yaml").runScriptCommand("build"));
    assertEquals(List.of("yarn", "run", "build"), with("yarn.lock").runScriptCommand("build"));
    assertEquals(List.of("bun", "run", "build"), with("bun.lock").runScriptCommand("build"));
  }
}
