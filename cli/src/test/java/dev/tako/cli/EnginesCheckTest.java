package dev.tako.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.protocol.api.StatusView;
import dev.tako.protocol.config.AppConfig.Runtime;
import dev.tako.protocol.deps.SemverRange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnginesCheckTest {
  @TempDir Path dir;

  private static StatusView.Member member(String server, Map<String, String> runtimes) {
    return new StatusView.Member(server, server, "127.0.0.1:1", "up", "1", runtimes);
  }

  private Path project(String packageJson) throws IOException {
    Files.writeString(dir.resolve("package.json"), packageJson);
    return dir;
  }

  @Test
  void aServerBelowTheRangeIsNamedWithItsVersionAndTheRange() {
    List<String> warnings = new ArrayList<>();
    List<String> problems =
        EnginesCheck.problems(
            Map.of("node", SemverRange.parse(">=22")),
            List.of("la", "nyc", "fra"),
            Map.of(
                "la", member("la", Map.of("node", "20.20.2")),
                "nyc", member("nyc", Map.of("node", "22.11.0")),
                "fra", member("fra", Map.of("bun", "1.1.38"))),
            warnings::add);
    assertEquals(
        List.of(
            "la has node 20.20.2, package.json engines.node wants >=22",
            "fra has no node on its PATH, package.json engines.node wants >=22"),
        problems);
    assertTrue(warnings.isEmpty());
  }

  @Test
  void serversThatReportNoRuntimesAreNotCheckedButWarned() {
    List<String> warnings = new ArrayList<>();
    List<String> problems =
        EnginesCheck.problems(
            Map.of("bun", SemverRange.parse("^1.1")),
            List.of("la", "sgp"),
            Map.of("la", member("la", null)),
            warnings::add);
    assertEquals(List.of(), problems);
    assertEquals(2, warnings.size());
    assertTrue(
        warnings.get(0).startsWith("cannot check package.json engines on la"), warnings.get(0));
  }

  @Test
  void theRangesThatApplyFollowTheRuntime() throws IOException {
    Path p =
        project("{\"engines\": {\"node\": \">=18 <23\", \"bun\": \">=1.1\", \"npm\": \">=10\"}}");
    assertEquals(List.of("node"), List.copyOf(EnginesCheck.ranges(p, Runtime.NODE, "").keySet()));
    assertEquals(List.of("bun"), List.copyOf(EnginesCheck.ranges(p, Runtime.BUN, "").keySet()));
    assertEquals(
        List.of("node"),
        List.copyOf(EnginesCheck.ranges(p, Runtime.COMMAND, "/usr/bin/node").keySet()));
    assertTrue(EnginesCheck.ranges(p, Runtime.COMMAND, "./server").isEmpty());
    assertTrue(EnginesCheck.ranges(p, Runtime.GO, "").isEmpty());
    assertEquals(">=18 <23", EnginesCheck.ranges(p, Runtime.NODE, "").get("node").toString());
  }

  @Test
  void noEnginesOrNoPackageJsonChecksNothing() throws IOException {
    assertTrue(EnginesCheck.ranges(dir, Runtime.NODE, "").isEmpty());
    assertTrue(EnginesCheck.ranges(project("{\"engines\": {}}"), Runtime.NODE, "").isEmpty());
  }

  @Test
  void anInvalidRangeIsAConfigurationError() throws IOException {
    Path p = project("{\"engines\": {\"node\": \"node twenty\"}}");
    CliException e =
        assertThrows(CliException.class, () -> EnginesCheck.ranges(p, Runtime.NODE, ""));
    assertEquals(CliException.USAGE, e.exitCode());
    assertTrue(
        e.getMessage().startsWith("package.json: engines.node is not a valid"), e.getMessage());
  }
}
