package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero-downtime rollouts (issue 3) end to end on a real 3-region playground, through the packaged
 * CLI: deploys under steady load (atomic and rolling) drop nothing, a rolling deploy failing on its
 * last server switches the others back, a second deploy is refused while one holds the lease (and
 * {@code --wait} waits for it), rollback both ways, the release command runs once (and its failure
 * switches nothing), and a scale survives a deploy. One playground for the class; each test deploys
 * its own app.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RolloutIT {
  /** Also the rollout order of a rolling deploy: sgp is last. */
  static final List<String> REGIONS = List.of("la", "nyc", "sgp");

  @TempDir static Path tmp;
  LocalPlayground playground;
  TakoCli tako;
  Map<String, Integer> proxyPorts;

  @BeforeAll
  void up() throws Exception {
    playground = LocalPlayground.up(tmp, REGIONS);
    tako = playground.tako;
    proxyPorts = playground.proxyPorts;
  }

  @AfterAll
  void down() throws Exception {
    playground.down();
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void aRequestInFlightAtTheSwitchFinishesOnTheOldRelease() throws Exception {
    String slow =
        "const slowServer = require('http');\n"
            + "const origCreate = slowServer.createServer;\n"
            + "slowServer.createServer = (h) => origCreate((q, s) => {\n"
            + "  if (q.url === '/slow') { setTimeout(() => s.end('slow-done|' + process.env.TAKO_RELEASE), 4000); return; }\n"
            + "  h(q, s); });\n";
    Path dir = Apps.write(tmp.resolve("drain"), "drain", "v1", slow, REGIONS);
    TakoCli.Result first = tako.run(dir, "deploy", "--json");
    assertEquals(0, first.exit(), first::toString);
    String v1 = first.json().get("release").asText();
    int port = proxyPorts.get("la");
    var inFlight =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return Http.get(port, "drain.localhost", "/slow");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Apps.write(tmp.resolve("drain"), "drain", "v2", slow, REGIONS);
    TakoCli.Result second = tako.run(dir, "deploy", "--json");
    assertEquals(0, second.exit(), second::toString);
    var answer = inFlight.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(200, answer.statusCode(), answer::body);
    assertEquals("slow-done|" + v1, answer.body(), "the old instance finished its request");
    assertTrue(
        Http.get(port, "drain.localhost", "/").body().startsWith("v2|"), "and v2 serves now");
  }

  @Test
  void deploysUnderSteadyLoadDropNoRequest() throws Exception {
    Path dir = tmp.resolve("steady");
    app(dir, "steady", "v1", "", "true", "");
    String v1 = deployOk(dir, "deploy", "--json").get("release").asText();
    assertServes("steady", "v1", v1);

    app(dir, "steady", "v2", "", "true", "");
    String v2 = deployUnderLoad(dir, "steady", v1, "atomic");
    assertServes("steady", "v2", v2);

    app(dir, "steady", "v3", "", "true", "");
    String v3 = deployUnderLoad(dir, "steady", v2, "rolling");
    assertServes("steady", "v3", v3);
  }

  /** Deploys the app in {@code dir} while every region is under load; returns the new release. */
  private String deployUnderLoad(Path dir, String name, String previous, String strategy)
      throws Exception {
    List<LoadGenerator.Target> targets = new ArrayList<>();
    REGIONS.forEach(r -> targets.add(new LoadGenerator.Target(r, proxyPorts.get(r))));
    LoadGenerator load =
        LoadGenerator.start(
            targets,
            name + ".localhost",
            4,
            2,
            200_000,
            Duration.ofMinutes(2),
            Duration.ofMillis(4));
    LoadGenerator.Stats stats;
    TakoCli.Result deploy;
    long deployMillis;
    try {
      awaitSent(load, 150);
      long t0 = System.nanoTime();
      deploy = tako.run(dir, Duration.ofMinutes(3), "deploy", "--strategy", strategy, "--json");
      deployMillis = (System.nanoTime() - t0) / 1_000_000;
      // Keep the load on past the drain and the SIGTERM of the old instances.
      awaitSent(load, load.sent() + 300);
    } finally {
      stats = load.stop();
    }
    System.out.printf(
        "%s deploy of %s under load: %d ms; %s%n", strategy, name, deployMillis, stats);
    assertEquals(0, deploy.exit(), deploy::toString);
    JsonNode result = deploy.json();
    String release = result.get("release").asText();
    assertNotEquals(previous, release);
    assertEquals(REGIONS, results(result).keySet().stream().toList(), deploy::toString);
    results(result).forEach((s, r) -> assertEquals("switched", r, deploy::toString));
    assertEquals(0, stats.failures(), () -> strategy + " deploy: " + stats);
    assertTrue(stats.sent() >= 450, () -> "too little load to mean anything: " + stats);
    assertTrue(stats.newConnection() > 0 && stats.keepAlive() > 0, stats::toString);
    for (String r : REGIONS) {
      assertTrue(stats.perRegion().getOrDefault(r, 0L) > 100, stats::toString);
    }
    assertTrue(
        stats.perRelease().containsKey(previous) && stats.perRelease().containsKey(release),
        () -> "the load spans the switch: " + stats);
    return release;
  }

  private static void awaitSent(LoadGenerator load, long n) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> load.sent() >= n);
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void aRollingDeployFailingOnTheLastServerSwitchesTheOthersBack() throws Exception {
    Path dir = tmp.resolve("roll");
    app(dir, "roll", "v1", "", "true", "");
    String v1 = deployOk(dir, "deploy", "--json").get("release").asText();

    app(
        dir,
        "roll",
        "v2",
        "if (process.env.TAKO_SERVER === 'sgp') { console.error('boom on sgp'); process.exit(3); }",
        "true",
        "");
    long t0 = System.nanoTime();
    TakoCli.Result deploy = tako.run(dir, "deploy", "--strategy", "rolling", "--json");
    System.out.printf("failing rolling deploy: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    assertEquals(1, deploy.exit(), deploy::toString);
    JsonNode result = deploy.json();
    assertFalse(result.get("ok").asBoolean(), deploy::toString);
    String v2 = result.get("release").asText();
    assertNotEquals(v1, v2);
    Map<String, String> results = results(result);
    assertEquals(REGIONS, List.copyOf(results.keySet()), deploy::toString);
    assertEquals("rolled-back", results.get("la"), deploy::toString);
    assertEquals("rolled-back", results.get("nyc"), deploy::toString);
    assertEquals("failed", results.get("sgp"), deploy::toString);
    for (JsonNode s : result.get("servers")) {
      if (s.get("server").asText().equals("sgp")) {
        assertTrue(s.get("error").asText().contains("boom on sgp"), deploy::toString);
      }
    }

    assertServes("roll", "v1", v1);
    // The switched-back servers drain their v2 instances: await one ready v1 instance each.
    awaitInstances(dir, v1, 1);
    JsonNode status = tako.run(dir, "status", "--json").json();
    for (JsonNode s : status.get("apps").get(0).get("servers")) {
      assertEquals(v1, s.get("release").asText(), status::toString);
      for (JsonNode i : s.get("instances")) {
        if (i.get("release").asText().equals(v2)) {
          assertFalse(
              PlaygroundIT.alive(i.get("pid").asLong()), "no v2 process is left\n" + status);
        }
      }
    }

    TakoCli.Result ls = tako.run(dir, "releases", "ls", "--json");
    assertEquals(0, ls.exit(), ls::toString);
    List<String> ids = new ArrayList<>();
    Map<String, JsonNode> byId = new HashMap<>();
    for (JsonNode r : ls.json().get("releases")) {
      ids.add(r.get("id").asText());
      byId.put(r.get("id").asText(), r);
    }
    assertEquals(List.of(v2, v1), ids, "both releases, newest first\n" + ls);
    assertEquals(Set.copyOf(REGIONS), texts(byId.get(v1).get("current_on")), ls::toString);
    assertEquals(Set.of(), texts(byId.get(v2).get("current_on")), ls::toString);
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void aSecondDeployIsRefusedWhileOneHoldsTheLeaseAndWaitWaitsForIt() throws Exception {
    // The first deploy's instances answer 503 on their health path until the test says go: it
    // holds the lease as long as the test needs, whatever the machine's speed.
    Path go = tmp.resolve("lock-go");
    Path a =
        app(
            tmp.resolve("lock-a"),
            "lock",
            "a",
            "",
            "require('fs').existsSync('" + go.toAbsolutePath() + "')",
            "");
    Path b = app(tmp.resolve("lock-b"), "lock", "b", "", "true", "");
    Path c = app(tmp.resolve("lock-c"), "lock", "c", "", "true", "");
    try (BackgroundTako first = BackgroundTako.start(tako, a, "deploy", "--json")) {
      awaitStderr(first, ": starting");
      try (BackgroundTako waiting = BackgroundTako.start(tako, c, "deploy", "--wait", "--json");
          BackgroundTako second = BackgroundTako.start(tako, b, "deploy", "--json")) {
        TakoCli.Result refused = second.await(Duration.ofSeconds(60));
        long refusedMillis = (second.endedNanos() - second.startedNanos) / 1_000_000;
        System.out.printf("second deploy refused %d ms after it started%n", refusedMillis);
        assertEquals(1, refused.exit(), refused::toString);
        JsonNode r = refused.json();
        assertFalse(r.get("ok").asBoolean(), refused::toString);
        assertTrue(r.get("locked").asBoolean(), refused::toString);
        String error = r.get("error").asText();
        assertTrue(error.contains("lock/production is being deployed"), error);
        assertTrue(error.contains("a deploy by " + System.getProperty("user.name") + "@"), error);
        assertTrue(error.contains("coordinated by la"), error);
        assertFalse(refused.err().contains("waiting"), refused::toString);
        // Refused before it packed or uploaded anything.
        assertFalse(refused.err().contains("packed"), refused::toString);
        assertFalse(refused.err().contains("upload"), refused::toString);
        assertTrue(refusedMillis < 20_000, "refused at once, not after a wait: " + refusedMillis);
        assertTrue(first.alive(), "the first deploy holds the lease until the test says go");

        awaitStderr(waiting, "waiting: ");
        assertTrue(waiting.stderr().contains("is being deployed"), waiting::stderr);
        Files.writeString(go, "go");
        long goAt = System.nanoTime();

        TakoCli.Result done = first.await(Duration.ofMinutes(2));
        assertEquals(0, done.exit(), done::toString);
        String releaseA = done.json().get("release").asText();
        results(done.json()).forEach((s, res) -> assertEquals("switched", res, done::toString));

        TakoCli.Result after = waiting.await(Duration.ofMinutes(2));
        assertEquals(0, after.exit(), after::toString);
        assertTrue(waiting.endedNanos() > first.endedNanos(), "--wait ended after the first");
        String releaseC = after.json().get("release").asText();
        assertNotEquals(releaseA, releaseC);
        results(after.json()).forEach((s, res) -> assertEquals("switched", res, after::toString));
        System.out.printf(
            "first deploy done %d ms after go; the --wait deploy %d ms after that (%d ms in all)%n",
            (first.endedNanos() - goAt) / 1_000_000,
            (waiting.endedNanos() - first.endedNanos()) / 1_000_000,
            (waiting.endedNanos() - waiting.startedNanos) / 1_000_000);
        assertServes("lock", "c", releaseC);
      }
    }
  }

  private static void awaitStderr(BackgroundTako p, String text) {
    try {
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> p.stderr().contains(text) || !p.alive());
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("never saw \"" + text + "\" on stderr:\n" + p.stderr(), e);
    }
    assertTrue(p.stderr().contains(text), () -> "ended before \"" + text + "\":\n" + p.stderr());
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void rollbackToThePreviousAndToANamedRelease() throws Exception {
    Path dir = tmp.resolve("back");
    app(dir, "back", "v1", "", "true", "");
    String v1 = deployOk(dir, "deploy", "--json").get("release").asText();
    app(dir, "back", "v2", "", "true", "");
    String v2 = deployOk(dir, "deploy", "--json").get("release").asText();
    assertServes("back", "v2", v2);

    JsonNode back = deployOk(dir, "releases", "rollback", "--json");
    assertEquals(v1, back.get("release").asText(), back::toString);
    results(back).forEach((s, r) -> assertEquals("switched", r, back::toString));
    assertEquals(REGIONS, List.copyOf(results(back).keySet()));
    assertServes("back", "v1", v1);

    JsonNode forth = deployOk(dir, "releases", "rollback", v2, "--json");
    assertEquals(v2, forth.get("release").asText(), forth::toString);
    results(forth).forEach((s, r) -> assertEquals("switched", r, forth::toString));
    assertServes("back", "v2", v2);

    JsonNode ls = tako.run(dir, "releases", "ls", "--json").json();
    for (JsonNode r : ls.get("releases")) {
      Set<String> on = texts(r.get("current_on"));
      assertEquals(
          r.get("id").asText().equals(v2) ? Set.copyOf(REGIONS) : Set.of(), on, ls::toString);
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void theReleaseCommandRunsOnceAndItsFailureSwitchesNothing() throws Exception {
    Path dir = tmp.resolve("migrate");
    app(dir, "migrate", "v1", "", "true", "release = \"node migrate.js\"\n");
    Files.writeString(
        dir.resolve("migrate.js"),
        "require('fs').appendFileSync(process.env.TAKO_DATA_DIR + '/migrations',"
            + " process.env.TAKO_SERVER + '\\n');\n");
    TakoCli.Result first = tako.run(dir, "deploy", "--json");
    assertEquals(0, first.exit(), first::toString);
    String v1 = first.json().get("release").asText();
    assertTrue(first.err().contains("running the release command"), first::toString);
    Map<String, List<String>> ran = migrations("migrate");
    assertEquals(1, ran.size(), "the release command ran on exactly one server: " + ran);
    ran.forEach(
        (server, lines) -> assertEquals(List.of(server), lines, "once, on " + server + ": " + ran));
    assertServes("migrate", "v1", v1);

    app(dir, "migrate", "v2", "", "true", "release = \"echo migrating; exit 7\"\n");
    TakoCli.Result failing = tako.run(dir, "deploy", "--json");
    assertEquals(1, failing.exit(), failing::toString);
    JsonNode result = failing.json();
    assertFalse(result.get("ok").asBoolean(), failing::toString);
    int failed = 0;
    for (JsonNode s : result.get("servers")) {
      String res = s.get("result").asText();
      if (res.equals("failed")) {
        failed++;
        assertTrue(s.get("error").asText().contains("exit code 7"), failing::toString);
        assertTrue(s.get("error").asText().contains("migrating"), failing::toString);
      } else {
        assertEquals("not-switched", res, failing::toString);
      }
    }
    assertEquals(1, failed, failing::toString);
    assertServes("migrate", "v1", v1);
    assertEquals(ran, migrations("migrate"), "the first release command did not run again");
    JsonNode status = tako.run(dir, "status", "--json").json();
    for (JsonNode s : status.get("apps").get(0).get("servers")) {
      assertEquals(v1, s.get("release").asText(), status::toString);
      for (JsonNode i : s.get("instances")) {
        assertEquals(v1, i.get("release").asText(), "nothing of v2 started\n" + status);
      }
    }
  }

  /** The lines of each server's {@code <data>/migrations}, for the servers that have the file. */
  private Map<String, List<String>> migrations(String app) throws Exception {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String r : REGIONS) {
      Path f =
          tako.home.resolve("playground/" + r + "/apps/" + app + "/production/data/migrations");
      if (Files.exists(f)) {
        out.put(r, Files.readAllLines(f));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void scaleToTwoInstancesSurvivesADeploy() throws Exception {
    Path dir = tmp.resolve("scaled");
    app(dir, "scaled", "v1", "", "true", "");
    String v1 = deployOk(dir, "deploy", "--json").get("release").asText();

    TakoCli.Result scale = tako.run(dir, "scale", "2", "--json");
    assertEquals(0, scale.exit(), scale::toString);
    Map<String, Set<String>> ids = awaitInstances(dir, v1, 2);
    assertEachInstanceAnswers("scaled", ids);

    app(dir, "scaled", "v2", "", "true", "");
    String v2 = deployOk(dir, "deploy", "--json").get("release").asText();
    Map<String, Set<String>> after = awaitInstances(dir, v2, 2);
    for (String r : REGIONS) {
      assertTrue(after.get(r).stream().noneMatch(ids.get(r)::contains), "new instances on " + r);
    }
    assertEachInstanceAnswers("scaled", after);
  }

  /**
   * Awaits exactly {@code n} ready instances of {@code release} on every server and no instance of
   * another release still running; returns the instance ids per server.
   */
  private Map<String, Set<String>> awaitInstances(Path dir, String release, int n) {
    Map<String, Set<String>> ids = new HashMap<>();
    String[] last = {""};
    try {
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                TakoCli.Result status = tako.run(dir, "status", "--json");
                last[0] = status.toString();
                if (status.exit() != 0) {
                  return false;
                }
                ids.clear();
                for (JsonNode s : status.json().get("apps").get(0).get("servers")) {
                  Set<String> ready = new HashSet<>();
                  for (JsonNode i : s.get("instances")) {
                    String state = i.get("state").asText();
                    boolean current = i.get("release").asText().equals(release);
                    if (current && state.equals("ready") && i.get("healthy").asBoolean()) {
                      ready.add(i.get("id").asText());
                    } else if (!state.equals("stopped")) {
                      return false;
                    }
                  }
                  if (ready.size() != n) {
                    return false;
                  }
                  ids.put(s.get("server").asText(), ready);
                }
                return ids.keySet().equals(Set.copyOf(REGIONS));
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          n
              + " ready instances of "
              + release
              + " on every server, never; last status:\n"
              + last[0],
          e);
    }
    return ids;
  }

  /** Every instance answers through its server's proxy (TAKO_INSTANCE is the body's last field). */
  private void assertEachInstanceAnswers(String name, Map<String, Set<String>> ids) {
    for (String r : REGIONS) {
      Set<String> seen = new HashSet<>();
      List<String> bodies = new ArrayList<>();
      try {
        Awaitility.await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(20))
            .until(
                () -> {
                  HttpResponse<String> resp = Http.get(proxyPorts.get(r), name + ".localhost", "/");
                  if (bodies.size() < 10) {
                    bodies.add(resp.statusCode() + " " + resp.body());
                  }
                  if (resp.statusCode() == 200) {
                    String[] f = resp.body().split("\\|");
                    seen.add(f[f.length - 1]);
                  }
                  return seen.containsAll(ids.get(r));
                });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError(
            r + ": instances " + ids.get(r) + " expected to answer, saw " + seen + ": " + bodies,
            e);
      }
      assertEquals(ids.get(r), seen, "only the current instances answer on " + r);
    }
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Writes an app answering {@code <body>|<server>|<release>|<instance>}; its health path answers
   * 200 while {@code healthy} (JavaScript; {@code started} is the process start in ms) holds, else
   * 503. {@code topLevel} is more top-level tako.toml (e.g. {@code release = ...}).
   */
  static Path app(
      Path dir, String name, String body, String prelude, String healthy, String topLevel)
      throws Exception {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("server.js"),
        prelude
            + "\nconst started = Date.now();\n"
            + "require('http').createServer((q, s) => {\n"
            + "  if (q.url === '/healthz') { s.statusCode = ("
            + healthy
            + ") ? 200 : 503; s.end('health'); return; }\n"
            + "  s.setHeader('content-type', 'text/plain');\n"
            + "  s.end('"
            + body
            + "|' + process.env.TAKO_SERVER + '|' + process.env.TAKO_RELEASE + '|'"
            + " + process.env.TAKO_INSTANCE);\n"
            + "}).listen(+process.env.PORT, process.env.HOST);\n");
    Files.writeString(
        dir.resolve("tako.toml"),
        "name = \""
            + name
            + "\"\nruntime = \"node\"\nmain = \"server.js\"\nhealth = \"/healthz\"\n"
            + topLevel
            + "\n[envs.production]\nroutes = [\""
            + name
            + ".localhost\"]\nservers = ["
            + REGIONS.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", "))
            + "]\n");
    return dir;
  }

  /** Runs a rollout command that must succeed; its JSON result. */
  private JsonNode deployOk(Path dir, String... args) throws Exception {
    long t0 = System.nanoTime();
    TakoCli.Result r = tako.run(dir, Duration.ofMinutes(3), args);
    System.out.printf(
        "tako %s in %s: %d ms%n",
        String.join(" ", args), dir.getFileName(), (System.nanoTime() - t0) / 1_000_000);
    assertEquals(0, r.exit(), r::toString);
    JsonNode json = r.json();
    assertTrue(json.get("ok").asBoolean(), r::toString);
    return json;
  }

  /** Every region answers {@code body} from release {@code release}, from itself. */
  private void assertServes(String name, String body, String release) throws Exception {
    for (String region : REGIONS) {
      HttpResponse<String> r = Http.get(proxyPorts.get(region), name + ".localhost", "/");
      assertEquals(200, r.statusCode(), () -> region + ": " + r.body());
      assertTrue(
          r.body().startsWith(body + "|" + region + "|" + release + "|"),
          () -> region + " serves " + body + " of " + release + ", not: " + r.body());
    }
  }

  /** server -> result, in the order of the JSON. */
  private static Map<String, String> results(JsonNode result) {
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonNode s : result.get("servers")) {
      out.put(s.get("server").asText(), s.get("result").asText());
    }
    return out;
  }

  private static Set<String> texts(JsonNode array) {
    Set<String> out = new HashSet<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
