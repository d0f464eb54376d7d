package dev.tako.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tako.protocol.Json;
import dev.tako.protocol.api.DeployResult;
import dev.tako.protocol.api.DeployResult.ServerResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which servers a deploy goes to when some are unreachable, and how they show in its result. */
class UnreachableServersTest {
  static final List<String> ENV = List.of("la", "nyc", "fra", "sgp");
  static final Map<String, String> FRA_DOWN =
      Map.of("fra", "error: cannot reach fra (127.0.0.4:2204): no answer within 5 s; check it");

  @Test
  void everyServerReachableDeploysToAllInTheEnvironmentsOrder() {
    var plan = UnreachableServers.plan(ENV, Map.of(), false, null);
    assertEquals(ENV, plan.deployTo());
    assertTrue(plan.skipped().isEmpty());
  }

  @Test
  void withoutTheFlagAnUnreachableServerStopsTheDeployWithExitOneNamingIt() {
    var r =
        assertThrows(
            UnreachableServers.Refused.class,
            () -> UnreachableServers.plan(ENV, FRA_DOWN, false, null));
    assertEquals(CliException.FAILED, r.exit().exitCode());
    assertTrue(
        r.exit().getMessage().startsWith("cannot reach fra, nothing was built"),
        r.exit()::getMessage);
    assertTrue(r.exit().getMessage().contains("--skip-unreachable"));
    assertTrue(r.exit().getMessage().contains("no answer within 5 s"));
    assertEquals(List.of("fra"), r.refusal().unreachable());
    assertFalse(r.refusal().ok());
  }

  @Test
  void theRefusalsJsonIsOkErrorAndTheUnreachableNames() throws Exception {
    var r =
        assertThrows(
            UnreachableServers.Refused.class,
            () ->
                UnreachableServers.plan(
                    ENV, Map.of("sgp", "down", "fra", "down too"), false, null));
    JsonNode json = Json.lenient().readTree(Json.write(r.refusal()));
    assertEquals(3, json.size(), json::toString);
    assertFalse(json.get("ok").asBoolean());
    assertTrue(json.get("error").asText().startsWith("cannot reach fra, sgp"), json::toString);
    // in the environment's order, whatever order the failures came in
    assertEquals("[\"fra\",\"sgp\"]", json.get("unreachable").toString());
  }

  @Test
  void withTheFlagTheReachableServersDeployAndTheOthersAreSkipped() {
    var plan = UnreachableServers.plan(ENV, FRA_DOWN, true, null);
    assertEquals(List.of("la", "nyc", "sgp"), plan.deployTo());
    assertEquals(List.of("fra"), List.copyOf(plan.skipped().keySet()));
  }

  @Test
  void noServerReachableIsExitThreeWithOrWithoutTheFlag() {
    Map<String, String> all = Map.of("la", "x", "nyc", "y");
    for (boolean skip : List.of(false, true)) {
      var r =
          assertThrows(
              UnreachableServers.Refused.class,
              () -> UnreachableServers.plan(List.of("la", "nyc"), all, skip, null));
      assertEquals(CliException.UNREACHABLE, r.exit().exitCode());
      assertEquals(List.of("la", "nyc"), r.refusal().unreachable());
    }
  }

  @Test
  void anUnreachableCanaryIsRefusedEvenWithTheFlag() {
    var r =
        assertThrows(
            UnreachableServers.Refused.class,
            () -> UnreachableServers.plan(ENV, FRA_DOWN, true, "fra"));
    assertEquals(CliException.FAILED, r.exit().exitCode());
    assertTrue(r.exit().getMessage().startsWith("the canary fra is unreachable"));
  }

  @Test
  void atomicKeepsTheEnvironmentsOrderWithTheSkippedInPlace() {
    var plan = UnreachableServers.plan(ENV, FRA_DOWN, true, null);
    DeployResult rollout =
        new DeployResult(
            true,
            "r0123456789",
            List.of(
                new ServerResult("la", "switched", null),
                new ServerResult("nyc", "switched", null),
                new ServerResult("sgp", "switched", null)));
    DeployResult merged = UnreachableServers.merge(rollout, ENV, plan, "atomic");
    assertTrue(merged.ok());
    assertEquals(
        List.of("la:switched", "nyc:switched", "fra:skipped", "sgp:switched"), summary(merged));
    assertEquals(
        "unreachable: cannot reach fra (127.0.0.4:2204): no answer within 5 s; check it",
        merged.servers().get(2).error());
  }

  @Test
  void rollingKeepsTheRolloutOrderAndListsTheSkippedLast() {
    var plan = UnreachableServers.plan(ENV, FRA_DOWN, true, "sgp");
    DeployResult rollout =
        new DeployResult(
            false,
            "r0123456789",
            List.of(
                new ServerResult("sgp", "rolled-back", null),
                new ServerResult("la", "failed", "health check failed"),
                new ServerResult("nyc", "not-switched", null)));
    DeployResult merged = UnreachableServers.merge(rollout, ENV, plan, "rolling");
    assertFalse(merged.ok(), "a failed server among the deployed ones fails the deploy");
    assertEquals(
        List.of("sgp:rolled-back", "la:failed", "nyc:not-switched", "fra:skipped"),
        summary(merged));
  }

  @Test
  void aLockedOrRefusedResultStaysAsItIs() {
    var plan = UnreachableServers.plan(ENV, FRA_DOWN, true, null);
    DeployResult locked = new DeployResult(false, null, List.of(), "held by x", true);
    assertEquals(locked, UnreachableServers.merge(locked, ENV, plan, "atomic"));
  }

  @Test
  void theDeployResultsJsonCarriesTheSkippedEntry() throws Exception {
    var plan = UnreachableServers.plan(List.of("la", "fra"), FRA_DOWN, true, null);
    DeployResult merged =
        UnreachableServers.merge(
            new DeployResult(
                true, "r0123456789", List.of(new ServerResult("la", "switched", null))),
            List.of("la", "fra"),
            plan,
            "atomic");
    try (Captured c = new Captured()) {
      assertEquals(0, Deployer.report(merged, new Output(true), "hello"));
      JsonNode json = Json.lenient().readTree(c.out());
      assertTrue(json.get("ok").asBoolean());
      assertEquals("fra", json.get("servers").get(1).get("server").asText());
      assertEquals("skipped", json.get("servers").get(1).get("result").asText());
    }
    try (Captured c = new Captured()) {
      assertEquals(0, Deployer.report(merged, new Output(false), "hello"));
      List<String> out = c.out().lines().toList();
      assertTrue(out.contains("  fra   skipped (unreachable)"), c.out());
      assertTrue(out.contains("deployed hello r0123456789 (fra skipped: unreachable)"), c.out());
    }
  }

  private static List<String> summary(DeployResult r) {
    return r.servers().stream().map(s -> s.server() + ":" + s.result()).toList();
  }
}
