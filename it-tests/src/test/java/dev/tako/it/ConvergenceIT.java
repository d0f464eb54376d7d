package dev.tako.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tako.protocol.config.Inventory;
import dev.tako.protocol.config.ServerEntry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §11, convergence, through the real CLI on a 3-region playground: a server that was stopped
 * while a deploy skipped it serves the environment's current release within 60 s of {@code
 * playground start} returning, shown as {@code catching-up} meanwhile; a region cut off by {@code
 * playground partition} during a deploy serves that deploy's release within 60 s of {@code heal}
 * returning; two sides of a partition that both deployed end, after healing, on the later decision
 * everywhere, and status names it. Needs {@code tako deploy --skip-unreachable} (SPEC §11).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConvergenceIT {
  static final List<String> REGIONS = List.of("la", "nyc", "fra");
  static final String LATE = "fra";
  static final Duration CATCH_UP = Duration.ofSeconds(60);
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  LocalPlayground playground;
  Path app;

  @BeforeAll
  void up() throws Exception {
    playground = LocalPlayground.up(tmp, REGIONS);
    app = Apps.write(tmp.resolve("hello"), "hello", "v1", "", REGIONS);
    TakoCli.Result v1 = playground.tako.run(app, Duration.ofMinutes(3), "deploy", "--json");
    assertEquals(0, v1.exit(), v1::toString);
  }

  @AfterAll
  void down() throws Exception {
    playground.down();
  }

  @Test
  @Order(1)
  void aServerThatWasDownCatchesUpWithinAMinuteOfRejoining() throws Exception {
    TakoCli tako = playground.tako;
    TakoCli.Result stop = tako.run(tmp, "playground", "stop", LATE);
    assertEquals(0, stop.exit(), stop::toString);

    String v2 = deploySkipping("v2");

    TakoCli.Result start = tako.run(tmp, Duration.ofMinutes(2), "playground", "start", LATE);
    assertEquals(0, start.exit(), start::toString);
    long rejoined = System.nanoTime();
    playground.nodePids.put(LATE, playground.lsEntry(LATE).get("pid").asLong());

    // Asked of la (the cluster's view) and of fra itself (its own answer is always fresh).
    AtomicBoolean sawCatchingUp = new AtomicBoolean();
    List<Api> apis = List.of(api("la"), api(LATE));
    await(LATE + " serving " + v2)
        .pollInterval(Duration.ofMillis(250))
        .atMost(CATCH_UP)
        .until(
            () -> {
              for (Api api : apis) {
                try {
                  JsonNode entry = serverEntry(api.status(), LATE);
                  if (entry != null && "catching-up".equals(entry.path("state").asText())) {
                    sawCatchingUp.set(true);
                  }
                } catch (Exception | AssertionError e) {
                  // A node still starting may not answer yet; a slow answer only skips this look.
                }
              }
              return serves(LATE, "v2", v2);
            });
    long seconds = (System.nanoTime() - rejoined) / 1_000_000_000;
    System.out.println(
        "ConvergenceIT: " + LATE + " served " + v2 + " " + seconds + " s after rejoining");
    assertTrue(sawCatchingUp.get(), "status never showed " + LATE + " catching-up");
    JsonNode status = tako.run(tmp, "status", "--json").json();
    JsonNode current = appView(status).get("current");
    assertNotNull(current, status::toString);
    assertEquals(v2, current.get("release").asText(), status::toString);
    assertEquals(v2, serverEntry(status, LATE).get("release").asText(), status::toString);
  }

  @Test
  @Order(2)
  void aRegionCutOffDuringADeployEndsOnItsReleaseAfterHealing() throws Exception {
    TakoCli tako = playground.tako;
    TakoCli.Result cut = tako.run(tmp, "playground", "partition", LATE);
    assertEquals(0, cut.exit(), cut::toString);
    String v3;
    try {
      v3 = deploySkipping("v3");
    } finally {
      TakoCli.Result heal = tako.run(tmp, Duration.ofMinutes(2), "playground", "heal");
      assertEquals(0, heal.exit(), heal::toString);
    }
    long healed = System.nanoTime();
    await(LATE + " serving " + v3)
        .pollInterval(Duration.ofMillis(500))
        .atMost(CATCH_UP)
        .until(() -> serves(LATE, "v3", v3));
    System.out.println(
        "ConvergenceIT: "
            + LATE
            + " served "
            + v3
            + " "
            + (System.nanoTime() - healed) / 1_000_000_000
            + " s after heal");
    for (String server : REGIONS) {
      assertTrue(serves(server, "v3", v3), server + " serves " + v3);
    }
    JsonNode status = tako.run(tmp, "status", "--json").json();
    JsonNode current = appView(status).get("current");
    assertEquals(v3, current.get("release").asText(), status::toString);
    assertTrue(current.get("generation").asLong() >= 3, status::toString);
  }

  @Test
  @Order(3)
  void twoSidesThatBothDeployedDuringAPartitionEndOnTheLaterDecision() throws Exception {
    TakoCli tako = playground.tako;
    TakoCli.Result cut = tako.run(tmp, "playground", "partition", LATE);
    assertEquals(0, cut.exit(), cut::toString);
    String v4;
    String v5;
    try {
      // la's side (where the CLI is) deploys v4 to la and nyc ...
      v4 = deploySkipping("v4");
      // ... and, later, someone on fra's side deploys v5 to fra alone: through fra's own SSH port
      // (not the relay, which is cut), from a Tako home whose fra entry points there.
      Path fraApp = Apps.write(tmp.resolve("hello-fra"), "hello", "v5", "", List.of(LATE));
      TakoCli.Result other = fraSideCli().run(fraApp, Duration.ofMinutes(3), "deploy", "--json");
      assertEquals(0, other.exit(), other::toString);
      v5 = other.json().get("release").asText();
    } finally {
      TakoCli.Result heal = tako.run(tmp, Duration.ofMinutes(2), "playground", "heal");
      assertEquals(0, heal.exit(), heal::toString);
    }
    // Both decided the same generation without knowing of each other: the later decision (fra's)
    // wins everywhere, la and nyc fetching v5 from fra.
    await("every server serving " + v5 + " (not " + v4 + ")")
        .pollInterval(Duration.ofMillis(500))
        .atMost(CATCH_UP)
        .until(() -> REGIONS.stream().allMatch(server -> serves(server, "v5", v5)));
    JsonNode status = tako.run(tmp, "status", "--json").json();
    JsonNode current = appView(status).get("current");
    assertEquals(v5, current.get("release").asText(), status::toString);
    assertEquals(LATE, current.get("decided_by").asText(), status::toString);
  }

  /**
   * A second Tako home, as a laptop on fra's side of the cut would have: the same inventory and
   * keys, but fra reached at its node's own SSH port on 127.0.0.1 instead of through its relay.
   */
  private TakoCli fraSideCli() throws Exception {
    Path home = Files.createDirectories(tmp.resolve("fra-side-home"));
    Path main = playground.tako.home;
    JsonNode fra = null;
    for (JsonNode n :
        JSON.readTree(main.resolve("playground/playground.json").toFile()).get("servers")) {
      if (n.get("name").asText().equals(LATE)) {
        fra = n;
      }
    }
    assertNotNull(fra, "no " + LATE + " in playground.json");
    int sshPort = fra.get("ssh_port").asInt();
    String relay = "[" + fra.get("address").asText() + "]:" + fra.get("ssh_relay_port").asInt();
    Inventory inventory = Inventory.load(main.resolve("config.toml"));
    ServerEntry entry = inventory.get(LATE).orElseThrow();
    inventory
        .with(
            new ServerEntry(
                entry.name(),
                "127.0.0.1",
                sshPort,
                entry.user(),
                entry.region(),
                entry.home(),
                entry.apiPort(),
                entry.httpPort(),
                entry.httpsPort(),
                entry.identity()))
        .save(home.resolve("config.toml"));
    StringBuilder known = new StringBuilder();
    for (String line : Files.readAllLines(main.resolve("known_hosts"))) {
      if (line.startsWith(relay + " ")) {
        known
            .append("[127.0.0.1]:")
            .append(sshPort)
            .append(line.substring(relay.length()))
            .append('\n');
      }
    }
    assertTrue(known.length() > 0, "no host key of " + relay + " in known_hosts");
    Files.writeString(home.resolve("known_hosts"), known.toString());
    return new TakoCli(home, playground.tako.env);
  }

  /** Deploys the app answering {@code body} to the reachable servers; the late one is skipped. */
  private String deploySkipping(String body) throws Exception {
    Apps.write(app, "hello", body, "", REGIONS);
    TakoCli.Result deploy =
        playground.tako.run(app, Duration.ofMinutes(3), "deploy", "--skip-unreachable", "--json");
    assertEquals(0, deploy.exit(), deploy::toString);
    JsonNode result = deploy.json();
    assertTrue(result.get("ok").asBoolean(), deploy::toString);
    boolean skipped = false;
    for (JsonNode s : result.get("servers")) {
      if (s.get("server").asText().equals(LATE)) {
        skipped = s.get("result").asText().equals("skipped");
      }
    }
    assertTrue(skipped, () -> LATE + " not skipped: " + deploy);
    return result.get("release").asText();
  }

  /** Whether the server's proxy answers with this body and release. */
  private boolean serves(String server, String body, String release) {
    try {
      HttpResponse<String> r = Http.get(playground.proxyPorts.get(server), "hello.localhost", "/");
      return r.statusCode() == 200 && r.body().startsWith(body + "|" + server + "|" + release);
    } catch (Exception e) {
      return false;
    }
  }

  private static JsonNode appView(JsonNode status) {
    for (JsonNode a : status.get("apps")) {
      if (a.get("app").asText().equals("hello")) {
        return a;
      }
    }
    throw new AssertionError("no app hello in " + status);
  }

  private static JsonNode serverEntry(JsonNode status, String server) {
    for (JsonNode s : appView(status).get("servers")) {
      if (s.get("server").asText().equals(server)) {
        return s;
      }
    }
    return null;
  }

  /** A node's management API, asked directly on this host with its admin token. */
  private record Api(int port, String token) {
    JsonNode status() throws Exception {
      var req =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/status"))
              .header("Authorization", "Bearer " + token)
              .timeout(Duration.ofSeconds(10))
              .build();
      var resp = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
      assertEquals(200, resp.statusCode(), resp::body);
      return JSON.readTree(resp.body());
    }
  }

  private Api api(String server) throws Exception {
    return new Api(
        playground.lsEntry(server).get("api_port").asInt(),
        Files.readString(playground.nodeHomes.get(server).resolve("admin.token")).trim());
  }
}
