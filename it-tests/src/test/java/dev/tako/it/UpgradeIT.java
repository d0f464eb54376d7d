package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server lifecycle (SPEC §14) on a real 2-region playground through the packaged CLI: {@code tako
 * servers upgrade} under steady load replaces every node's process, one server at a time, with no
 * failed request and the app's processes untouched (same pids), and the app serves everywhere
 * afterwards (the figures are printed, README "Upgrading the nodes" quotes them); a broken node
 * distribution leaves the server untouched and serving; {@code tako servers rm --uninstall} takes a
 * node out of the cluster and removes it. One playground for the class; the removal runs last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpgradeIT {
  static final List<String> REGIONS = List.of("la", "nyc");

  @TempDir static Path tmp;
  LocalPlayground playground;
  TakoCli tako;
  Path app;

  @BeforeAll
  void up() throws Exception {
    playground = LocalPlayground.up(tmp, REGIONS);
    tako = playground.tako;
    app = Apps.write(tmp.resolve("up"), "up", "v1", "", REGIONS);
    TakoCli.Result deploy = tako.run(app, "deploy", "--json");
    assertEquals(0, deploy.exit(), deploy::toString);
  }

  @AfterAll
  void down() throws Exception {
    playground.down();
  }

  @Test
  @Order(1)
  void aBrokenDistributionLeavesTheServerOnItsRunningNode() throws Exception {
    // A copy of the distribution whose node jar is cut short: its JVM cannot load the node.
    Path lib = Files.createDirectories(tmp.resolve("broken-dist/lib/node"));
    try (Stream<Path> jars = Files.list(TakoCli.dist().resolve("lib/node"))) {
      for (Path jar : jars.toList()) {
        Path to = lib.resolve(jar.getFileName().toString());
        if (jar.getFileName().toString().startsWith("node-")) {
          byte[] bytes = Files.readAllBytes(jar);
          Files.write(to, java.util.Arrays.copyOf(bytes, bytes.length / 3));
        } else {
          Files.createSymbolicLink(to, jar);
        }
      }
    }
    long pidBefore = playground.lsEntry("la").get("pid").asLong();
    TakoCli broken =
        new TakoCli(tako.home, Map.of("TAKO_DIST", tmp.resolve("broken-dist").toString()));

    TakoCli.Result upgrade = broken.run(app, "servers", "upgrade", "la");

    assertEquals(1, upgrade.exit(), upgrade::toString);
    assertTrue(upgrade.err().contains("does not start"), upgrade::toString);
    assertTrue(upgrade.err().contains("la was left as it was"), upgrade::toString);
    assertEquals(pidBefore, playground.lsEntry("la").get("pid").asLong(), "the node still runs");
    assertEquals(200, Http.get(playground.proxyPorts.get("la"), "up.localhost", "/").statusCode());
  }

  @Test
  @Order(2)
  void upgradeUnderLoadFailsNoRequestAndKeepsTheAppsRunning() throws Exception {
    Map<String, List<Long>> appPids = appPids();
    List<LoadGenerator.Target> targets = new ArrayList<>();
    REGIONS.forEach(r -> targets.add(new LoadGenerator.Target(r, playground.proxyPorts.get(r))));
    LoadGenerator load =
        LoadGenerator.start(
            targets, "up.localhost", 2, 1, 500_000, Duration.ofMinutes(2), Duration.ofMillis(5));
    TakoCli.Result upgrade;
    LoadGenerator.Stats stats;
    long millis;
    try {
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> load.sent() >= 100);
      long t0 = System.nanoTime();
      upgrade = tako.run(app, Duration.ofMinutes(4), "servers", "upgrade");
      millis = (System.nanoTime() - t0) / 1_000_000;
    } finally {
      stats = load.stop();
    }
    System.out.printf(
        "servers upgrade of %s under load: %d ms%n%s%n%s%n", REGIONS, millis, upgrade.out(), stats);
    assertEquals(0, upgrade.exit(), upgrade::toString);
    for (String r : REGIONS) {
      assertTrue(upgrade.out().contains("  " + r + ": "), upgrade::toString);
      long pid = playground.lsEntry(r).get("pid").asLong();
      assertNotEquals(playground.nodePids.get(r), pid, r + "'s node was restarted");
      playground.nodePids.put(r + "-upgraded", pid); // down() checks it is gone at the end
    }
    assertTrue(upgrade.out().contains("upgraded 2 server(s)"), upgrade::toString);
    assertTrue(stats.ok() > 0, stats::toString);
    assertEquals(0, stats.failures(), "requests failed during the upgrade: " + stats);
    assertEquals(appPids, appPids(), "the app's processes were not restarted by the upgrade");

    TakoCli.Result status = tako.run(app, "status", "--json");
    assertEquals(0, status.exit(), status::toString);
    for (String r : REGIONS) {
      assertEquals("up", StatusJson.memberStatus(status.json(), r), status::toString);
      Http.await(
          playground.proxyPorts.get(r),
          "up.localhost",
          "/",
          resp -> resp.statusCode() == 200 && resp.body().startsWith("v1|"),
          Duration.ofSeconds(30));
    }
  }

  /** The pids of the app's instances per region, from {@code tako status --json}. */
  private Map<String, List<Long>> appPids() throws Exception {
    TakoCli.Result status = tako.run(app, "status", "--json");
    assertEquals(0, status.exit(), status::toString);
    Map<String, List<Long>> pids = new java.util.TreeMap<>();
    for (String r : REGIONS) {
      JsonNode entry = StatusJson.serverEntry(status.json(), "up", r);
      assertTrue(entry != null, status::toString);
      List<Long> list = new ArrayList<>();
      for (JsonNode i : entry.get("instances")) {
        list.add(i.get("pid").asLong());
      }
      list.sort(null);
      assertFalse(list.isEmpty(), status::toString);
      pids.put(r, list);
    }
    return pids;
  }

  @Test
  @Order(3)
  void removingAServerWithUninstallTakesItOutOfTheClusterAndOffTheMachine() throws Exception {
    Path nycHome = playground.nodeHomes.get("nyc");
    long nycPid = playground.lsEntry("nyc").get("pid").asLong();

    TakoCli.Result rm = tako.run(tmp, "servers", "rm", "nyc", "--uninstall");

    assertEquals(0, rm.exit(), rm::toString);
    assertTrue(rm.out().contains("removed server nyc (node uninstalled)"), rm::toString);
    assertFalse(LocalPlayground.alive(nycPid), "the node stopped");
    assertFalse(Files.exists(nycHome), "its home is gone");
    TakoCli.Result ls = tako.run(tmp, "servers", "ls", "--json");
    for (JsonNode s : ls.json().get("servers")) {
      assertNotEquals("nyc", s.get("name").asText(), ls::toString);
    }
    TakoCli.Result status = tako.run(tmp, "status", "--json");
    assertEquals(0, status.exit(), status::toString);
    assertEquals("missing", StatusJson.memberStatus(status.json(), "nyc"), status::toString);
    assertEquals("up", StatusJson.memberStatus(status.json(), "la"), status::toString);
  }
}
