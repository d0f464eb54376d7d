package dev.tako.protocol.deps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackageJsonTest {
  @TempDir Path dir;

  @Test
  void dependenciesToInstall() throws Exception {
    assertTrue(PackageJson.parse("{\"dependencies\":{\"a\":\"1\"}}").hasDependencies());
    assertTrue(PackageJson.parse("{\"optionalDependencies\":{\"a\":\"1\"}}").hasDependencies());
    assertFalse(PackageJson.parse("{\"dependencies\":{}}").hasDependencies());
    assertFalse(PackageJson.parse("{\"devDependencies\":{\"a\":\"1\"}}").hasDependencies());
  }

  @Test
  void startScript() throws Exception {
    assertEquals(
        Optional.of("node server.js"),
        PackageJson.parse("{\"scripts\":{\"start\":\" node server.js \"}}").startScript());
    assertEquals(
        Optional.empty(), PackageJson.parse("{\"scripts\":{\"start\":\"\"}}").startScript());
    assertEquals(Optional.empty(), PackageJson.parse("{}").startScript());
  }

  @Test
  void missingFileIsEmptyAndBrokenFileFails() throws Exception {
    assertEquals(Optional.empty(), PackageJson.in(dir));
    Files.writeString(dir.resolve("package.json"), "[1]");
    IOException e = assertThrows(IOException.class, () -> PackageJson.in(dir));
    assertTrue(e.getMessage().contains("package.json"));
    Files.writeString(dir.resolve("package.json"), "{\"dependencies\":");
    assertThrows(IOException.class, () -> PackageJson.in(dir));
  }

  @Test
  void buildScriptEnginesAndDevDependencies() throws Exception {
    PackageJson pkg =
        PackageJson.parse(
            "{\"scripts\":{\"build\":\" tsc \"},\"engines\":{\"node\":\">=20\",\"bun\":\" \"},"
                + "\"devDependencies\":{\"typescript\":\"^5\"}}");
    assertEquals(Optional.of("tsc"), pkg.buildScript());
    assertEquals(Optional.of(">=20"), pkg.engine("node"));
    assertEquals(Optional.empty(), pkg.engine("bun"));
    assertTrue(pkg.hasAnyDependencies());
    assertFalse(pkg.hasDependencies());
    PackageJson bare = PackageJson.parse("{\"scripts\":{\"build\":1},\"engines\":\">=1\"}");
    assertEquals(Optional.empty(), bare.buildScript());
    assertEquals(Optional.empty(), bare.engine("node"));
    assertFalse(bare.hasAnyDependencies());
  }
}
