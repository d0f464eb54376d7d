package dev.tako.protocol.deps;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorepackTest {
  @TempDir Path dir;

  private Path bin(String name, String... programs) throws IOException {
    Path d = Files.createDirectories(dir.resolve(name));
    for (String p : programs) {
      Path f = Files.writeString(d.resolve(p), "#!/bin/sh\n");
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return d;
  }

  @Test
  void pnpmAndYarnGoThroughCorepackOnlyWhenMissing() throws IOException {
    String onlyCorepack = bin("a", "corepack", "npm").toString();
    List<String> pnpm = List.of("pnpm", "install", "--prod", "--frozen-lockfile");
    assertEquals(
        List.of("corepack", "pnpm", "install", "--prod", "--frozen-lockfile"),
        Corepack.wrap(pnpm, onlyCorepack));
    assertEquals(
        List.of("corepack", "yarn", "run", "build"),
        Corepack.wrap(List.of("yarn", "run", "build"), onlyCorepack));
    // npm and bun never do; an installed pnpm runs itself; no corepack: as is (fails "not
    // installed").
    assertEquals(List.of("npm", "ci"), Corepack.wrap(List.of("npm", "ci"), onlyCorepack));
    assertEquals(List.of("bun", "install"), Corepack.wrap(List.of("bun", "install"), onlyCorepack));
    String withPnpm = onlyCorepack + java.io.File.pathSeparator + bin("b", "pnpm");
    assertEquals(pnpm, Corepack.wrap(pnpm, withPnpm));
    assertEquals(pnpm, Corepack.wrap(pnpm, bin("c", "node").toString()));
    assertEquals(pnpm, Corepack.wrap(pnpm, null));
  }
}
