package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app instance killed with -9 under steady load: with two instances no request fails (the proxy
 * retries the other one), the dead one is replaced by a new process within 3 s, and three instances
 * after {@code scale 3} each answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedPlaygrounds.class)
class InstanceCrashIT {
  static final List<String> REGIONS = List.of("la");

  @TempDir static Path tmp;
  LocalPlayground playground;

  @BeforeAll
  void up() throws Exception {
    playground = SharedPlaygrounds.of(REGIONS);
  }

  @Test
  void aKilledInstanceIsReplacedWithinThreeSecondsAndNoRequestFails() throws Exception {
    TakoCli tako = playground.tako;
    Path app = Apps.write(tmp.resolve("crash"), "crash", "up", "", REGIONS);
    // The body ends with the instance's pid, so the test sees which process answered.
    Files.writeString(
        app.resolve("server.js"),
        Files.readString(app.resolve("server.js"))
            .replace("+ process.env.TAKO_REGION", "+ process.env.TAKO_REGION + '|' + process.pid"));
    assertEquals(0, tako.run(app, "deploy").exit());
    assertEquals(0, tako.run(app, "scale", "3").exit());
    int port = playground.proxyPorts.get("la");
    Set<String> pids = new HashSet<>();
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              for (int i = 0; i < 12; i++) {
                String[] f = Http.get(port, "crash.localhost", "/").body().split("\\|");
                pids.add(f[f.length - 1]);
              }
              return pids.size() == 3;
            });
    assertEquals(0, tako.run(app, "scale", "2").exit());
    List<Long> live = readyPids(tako, app, 2);

    LoadGenerator load =
        LoadGenerator.start(
            List.of(new LoadGenerator.Target("la", port)),
            "crash.localhost",
            3,
            1,
            100_000,
            Duration.ofSeconds(60),
            Duration.ofMillis(3));
    LoadGenerator.Stats stats;
    long killedAt;
    long victim = live.get(0);
    try {
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> load.sent() > 200);
      ProcessHandle.of(victim).orElseThrow().destroyForcibly();
      killedAt = System.nanoTime();
      // A new process answers within 3 s.
      Awaitility.await()
          .atMost(Duration.ofSeconds(3))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                String[] f = Http.get(port, "crash.localhost", "/").body().split("\\|");
                long pid = Long.parseLong(f[f.length - 1]);
                return !live.contains(pid);
              });
      long replacedMs = (System.nanoTime() - killedAt) / 1_000_000;
      System.out.println("replaced after " + replacedMs + " ms");
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> load.sent() > 1500);
    } finally {
      stats = load.stop();
    }
    assertEquals(0, stats.failures(), stats::toString);
    List<Long> after = readyPids(tako, app, 2);
    assertTrue(after.contains(live.get(1)), "the other instance kept running");
    assertTrue(!after.contains(victim));
    assertNotEquals(live, after);
  }

  private static List<Long> readyPids(TakoCli tako, Path app, int n) throws Exception {
    List<Long> pids = new java.util.ArrayList<>();
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              pids.clear();
              JsonNode s = tako.run(app, "status", "--json").json();
              for (JsonNode i : StatusJson.serverEntry(s, "crash", "la").get("instances")) {
                if (i.get("state").asText().equals("ready")) {
                  pids.add(i.get("pid").asLong());
                }
              }
              return pids.size() == n;
            });
    return pids;
  }
}
