package dev.tako.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tako.protocol.Json;
import dev.tako.protocol.api.DeployResult;
import dev.tako.protocol.api.DeployResult.ServerResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a deploy's final result is shown and which exit code it gives (SPEC §2, §5). */
class DeployerTest {
  private static final DeployResult OK =
      new DeployResult(
          true,
          "r0123456789",
          List.of(
              new ServerResult("la", "switched", null),
              new ServerResult("nyc", "unchanged", null)));

  private static final DeployResult FAILED =
      new DeployResult(
          false,
          "r0123456789",
          List.of(
              new ServerResult("la", "failed", "health check failed\nlast stderr: boom"),
              new ServerResult("nyc", "not-switched", null)));

  @Test
  void okResultIsZeroAndSaysDeployed() {
    try (Captured c = new Captured()) {
      assertEquals(0, Deployer.report(OK, new Output(false), "hello"));
      assertTrue(c.out().contains("deployed hello r0123456789"), c.out());
      assertTrue(c.out().contains("la") && c.out().contains("switched"), c.out());
      assertEquals("", c.err());
    }
  }

  @Test
  void failedResultIsOneAndPrintsTheServersErrorLines() {
    try (Captured c = new Captured()) {
      assertEquals(CliException.FAILED, Deployer.report(FAILED, new Output(false), "hello"));
      List<String> out = c.out().lines().toList();
      assertTrue(out.stream().anyMatch(l -> l.contains("la") && l.contains("failed")), c.out());
      assertTrue(out.contains("      health check failed"), c.out());
      assertTrue(out.contains("      last stderr: boom"), c.out());
      assertTrue(c.out().lines().noneMatch(l -> l.startsWith("deployed")), c.out());
      assertTrue(c.err().startsWith("error: the deploy of hello r0123456789 failed"), c.err());
    }
  }

  @Test
  void jsonPrintsExactlyOneObject() throws Exception {
    for (DeployResult result : List.of(OK, FAILED)) {
      try (Captured c = new Captured()) {
        int code = Deployer.report(result, new Output(true), "hello");
        assertEquals(result.ok() ? 0 : CliException.FAILED, code);
        List<String> lines = c.out().lines().toList();
        assertEquals(1, lines.size(), c.out());
        JsonNode json = Json.lenient().readTree(lines.get(0));
        assertEquals(result.ok(), json.get("ok").asBoolean());
        assertEquals("r0123456789", json.get("release").asText());
        assertEquals(2, json.get("servers").size());
        assertEquals(
            result.servers().get(0).result(), json.get("servers").get(0).get("result").asText());
        // Diagnostics stay on stderr with --json.
        assertEquals(!result.ok(), c.err().startsWith("error: "), c.err());
      }
    }
  }

  @Test
  void humanSizes() {
    assertEquals("512 B", Deployer.human(512));
    assertEquals("1.5 KiB", Deployer.human(1536).replace(',', '.'));
    assertEquals("2.0 MiB", Deployer.human(2 * 1024 * 1024).replace(',', '.'));
  }
}
