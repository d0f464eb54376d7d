package dev.tako.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tako.node.cluster.ClusterView;
import dev.tako.node.deploy.Rollout;
import dev.tako.node.status.ClusterStatus;
import dev.tako.protocol.Json;
import dev.tako.protocol.Version;
import dev.tako.protocol.api.DeployResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The management API bound on 127.0.0.1:0 over a single-node cluster (plain TCP Artery on port 0,
 * joined to itself), with a probe as the NodeAgent. Messages are serialized on send.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementRoutesTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String SERVER = "m";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path home = NodeTesting.tempDir("management-routes-home");
  private ActorTestKit testKit;
  private TestProbe<NodeAgent.Command> agent;
  private ServerBinding binding;
  private String token;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeAll
  void bind() throws Exception {
    Config config =
        ConfigFactory.parseString(
                """
                pekko.actor.provider = cluster
                pekko.actor.serialize-messages = on
                pekko.remote.artery.transport = tcp
                pekko.remote.artery.canonical.hostname = 127.0.0.1
                pekko.remote.artery.canonical.port = 0
                pekko.cluster.roles = ["server-m"]
                pekko.cluster.multi-data-center.self-data-center = "region-m"
                pekko.cluster.seed-nodes = []
                pekko.coordinated-shutdown.exit-jvm = off
                pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                pekko.loglevel = WARNING
                """)
            .withFallback(ConfigFactory.parseResources(NodeTesting.class, "/tako-node.conf"))
            .withFallback(ConfigFactory.load())
            .resolve();
    testKit = ActorTestKit.create("ManagementRoutesTest", config);
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    agent = testKit.createTestProbe(NodeAgent.Command.class);

    AdminToken adminToken = AdminToken.loadOrCreate(home);
    token = Files.readString(home.resolve("admin.token")).trim();
    NodeSettings settings = NodeTesting.nodeSettings(SERVER, home);
    ClusterView view = new ClusterView(testKit.system(), settings.askTimeout());
    var routes =
        new ManagementRoutes(
                testKit.system(),
                settings,
                adminToken,
                agent.ref(),
                view,
                new ClusterStatus(view),
                new dev.tako.node.upgrade.NodeHandover(
                    testKit.system(),
                    new dev.tako.proxy.RouteSnapshots(),
                    () ->
                        java.util.concurrent.CompletableFuture.completedFuture(
                            org.apache.pekko.Done.getInstance()),
                    java.time.Duration.ofSeconds(1)))
            .routes();
    binding =
        Http.get(testKit.system())
            .newServerAt("127.0.0.1", 0)
            .bind(routes)
            .toCompletableFuture()
            .get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    testKit
        .createTestProbe()
        .awaitAssert(
            WAIT,
            Duration.ofMillis(50),
            () -> {
              assertEquals(MemberStatus.up(), cluster.selfMember().status());
              return null;
            });
  }

  @AfterAll
  void shutdown() throws IOException {
    if (binding != null) {
      binding.unbind();
    }
    if (testKit != null) {
      testKit.shutdownTestKit();
    }
    Files.deleteIfExists(home.resolve("admin.token"));
    Files.deleteIfExists(home);
  }

  private HttpResponse<String> send(String method, String path, String auth, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + path))
            .timeout(WAIT)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (auth != null) {
      request.header("Authorization", auth);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> authorized(String method, String path, String body)
      throws IOException, InterruptedException {
    return send(method, path, "Bearer " + token, body);
  }

  private static JsonNode json(HttpResponse<String> response) throws IOException {
    assertEquals(
        "application/json",
        response.headers().firstValue("Content-Type").orElse(""),
        response::toString);
    return JSON.readTree(response.body());
  }

  /** A valid deploy request body, as the CLI sends it (snake_case). */
  private static String deployBody() {
    return Json.write(NodeTesting.request("r1", "ab".repeat(32), List.of(SERVER)));
  }

  @Test
  void everyPathNeedsTheToken() throws Exception {
    for (String path : List.of("/v1/ping", "/v1/status", "/v1/deploy", "/v1/nope", "/")) {
      HttpResponse<String> response = send("GET", path, null, null);
      assertEquals(401, response.statusCode(), path);
      assertEquals("missing or wrong bearer token", json(response).get("error").asText());
    }
    HttpResponse<String> deploy = send("POST", "/v1/deploy", null, deployBody());
    assertEquals(401, deploy.statusCode());
    agent.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aWrongTokenIsRejected() throws Exception {
    for (String auth :
        List.of("Bearer " + token + "x", "Bearer " + token.substring(1), "Basic " + token, token)) {
      HttpResponse<String> response = send("GET", "/v1/ping", auth, null);
      assertEquals(401, response.statusCode(), auth);
      assertEquals("missing or wrong bearer token", json(response).get("error").asText());
    }
  }

  @Test
  void anUnknownPathIs404() throws Exception {
    for (String path : List.of("/v1/nope", "/v2/ping", "/")) {
      HttpResponse<String> response = authorized("GET", path, null);
      assertEquals(404, response.statusCode(), path);
      assertEquals("no such API path", json(response).get("error").asText());
    }
  }

  @Test
  void pingNamesTheServer() throws Exception {
    HttpResponse<String> response = authorized("GET", "/v1/ping", null);
    assertEquals(200, response.statusCode());
    JsonNode ping = json(response);
    assertEquals(SERVER, ping.get("server").asText());
    assertEquals("region-" + SERVER, ping.get("region").asText());
    assertEquals(Version.VALUE, ping.get("version").asText());
    assertTrue(ping.get("up").asBoolean());
  }

  @Test
  void clusterListsThisMemberByItsServerName() throws Exception {
    HttpResponse<String> response = authorized("GET", "/v1/cluster", null);
    assertEquals(200, response.statusCode());
    JsonNode cluster = json(response);
    assertEquals(SERVER, cluster.get("self").asText());
    JsonNode member = cluster.get("members").get(0);
    assertEquals(SERVER, member.get("server").asText());
    assertEquals("region-m", member.get("region").asText());
    assertEquals("up", member.get("status").asText());
  }

  @Test
  void aWrongMethodIs405() throws Exception {
    HttpResponse<String> response = authorized("GET", "/v1/deploy", null);
    assertEquals(405, response.statusCode());
    assertEquals("method not allowed here; use POST", json(response).get("error").asText());
  }

  @Test
  void malformedJsonIs400() throws Exception {
    HttpResponse<String> response = authorized("POST", "/v1/deploy", "{\"app\": ");
    assertEquals(400, response.statusCode());
    assertTrue(json(response).get("error").asText().startsWith("malformed JSON"), response.body());
  }

  @Test
  void anUnknownFieldIs400NamingIt() throws Exception {
    String body = deployBody().replaceFirst("\\{", "{\"colour\":\"blue\",");
    HttpResponse<String> response = authorized("POST", "/v1/deploy", body);
    assertEquals(400, response.statusCode());
    JsonNode error = json(response);
    assertEquals("unknown field \"colour\"", error.get("error").asText());
    assertEquals("colour", error.get("field").asText());
  }

  @Test
  void aWrongTypeIs400NamingTheField() throws Exception {
    String body = deployBody().replace("\"instances\":1", "\"instances\":\"many\"");
    HttpResponse<String> response = authorized("POST", "/v1/deploy", body);
    assertEquals(400, response.statusCode());
    assertEquals("instances", json(response).get("field").asText(), response.body());
  }

  @Test
  void aDeployWithoutServersIs400() throws Exception {
    String body = Json.write(NodeTesting.request("r1", "ab".repeat(32), List.of()));
    HttpResponse<String> response = authorized("POST", "/v1/deploy", body);
    assertEquals(400, response.statusCode());
    assertEquals("servers", json(response).get("field").asText(), response.body());
    agent.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aBodyOverOneMebibyteIs413() throws Exception {
    String big = "{\"app\":\"" + "x".repeat((int) ManagementRoutes.MAX_BODY) + "\"}";
    HttpResponse<String> response = authorized("POST", "/v1/deploy", big);
    assertEquals(413, response.statusCode(), response.body());
    assertTrue(json(response).get("error").asText().contains("1 MiB"), response.body());
    agent.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aValidDeployIsHandedToTheAgentAndItsResultReturned() throws Exception {
    var reply =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return authorized("POST", "/v1/deploy", deployBody());
              } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            });
    NodeAgent.RunDeploy run = agent.expectMessageClass(NodeAgent.RunDeploy.class, WAIT);
    assertEquals(NodeTesting.request("r1", "ab".repeat(32), List.of(SERVER)), run.request());
    run.events()
        .tell(
            dev.tako.protocol.api.RolloutEvent.done(
                new DeployResult(
                    true, "r1", List.of(new DeployResult.ServerResult(SERVER, "switched", null)))));
    run.events().tell(Rollout.END);
    HttpResponse<String> response =
        reply.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(200, response.statusCode());
    JsonNode result = json(response);
    assertTrue(result.get("ok").asBoolean());
    assertEquals("switched", result.get("servers").get(0).get("result").asText());
  }

  /**
   * A few hundred random and mutated requests: every answer is a JSON error or a success, never a
   * 5xx, and the API keeps answering. Requests that would start a rollout are answered by the probe
   * agent with a result, so none hangs.
   */
  @Test
  void fuzzedRequestsNeverGetA5xxAndTheApiKeepsWorking() throws Exception {
    java.util.Random random = new java.util.Random(42);
    String valid =
        JSON.writeValueAsString(NodeTesting.request("r1", "ab".repeat(32), List.of(SERVER)));
    String[] paths = {
      "/v1/deploy",
      "/v1/rollback",
      "/v1/scale",
      "/v1/secrets",
      "/v1/leave",
      "/v1/status",
      "/v1/ping",
      "/v1/releases?app=a&env=b",
      "/v1/releases",
      "/v1/../etc/passwd",
      "/v1/%00",
      "/",
      "/v2/deploy",
      "/v1/deploy?x=" + "y".repeat(500)
    };
    String[] methods = {"GET", "POST", "PUT", "DELETE"};
    int checked = 0;
    for (int i = 0; i < 300; i++) {
      String body;
      switch (random.nextInt(6)) {
        case 0 -> body = "";
        case 1 -> body = "{";
        case 2 -> {
          char[] c = valid.toCharArray();
          for (int k = 0; k < 1 + random.nextInt(8); k++) {
            c[random.nextInt(c.length)] = (char) (32 + random.nextInt(95));
          }
          body = new String(c);
        }
        case 3 -> body = valid.replace("\"instances\":1", "\"instances\":\"many\"");
        case 4 -> body = "[" + valid + "]";
        default -> {
          byte[] b = new byte[random.nextInt(200)];
          random.nextBytes(b);
          body = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
      }
      String method = methods[random.nextInt(methods.length)];
      String path = paths[random.nextInt(paths.length)];
      String auth = random.nextInt(10) == 0 ? "Bearer wrong" : "Bearer " + token;
      java.util.concurrent.CompletableFuture<HttpResponse<String>> pending;
      try {
        pending =
            java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return send(method, path, auth, body);
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                  }
                });
        // A request that reached the agent starts a rollout: answer it as an agent would.
        while (!pending.isDone()) {
          for (NodeAgent.Command c : receivedWithin(Duration.ofMillis(20))) {
            org.apache.pekko.actor.typed.ActorRef<dev.tako.protocol.api.RolloutEvent> events =
                c instanceof NodeAgent.RunDeploy d
                    ? d.events()
                    : c instanceof NodeAgent.RunRollback b
                        ? b.events()
                        : c instanceof NodeAgent.RunSecretsSync y ? y.events() : null;
            if (events != null) {
              events.tell(
                  dev.tako.protocol.api.RolloutEvent.done(
                      new DeployResult(false, null, List.of())));
              events.tell(Rollout.END);
            }
          }
        }
      } catch (IllegalArgumentException e) {
        continue; // a path the JDK client itself refuses to send
      }
      HttpResponse<String> r;
      try {
        r = pending.get();
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof IllegalArgumentException) {
          continue;
        }
        throw e;
      }
      assertTrue(
          r.statusCode() < 500, method + " " + path + " -> " + r.statusCode() + " " + r.body());
      checked++;
    }
    assertTrue(checked > 250);
    assertEquals(200, authorized("GET", "/v1/ping", null).statusCode(), "the API still answers");
  }

  private List<NodeAgent.Command> receivedWithin(Duration d) {
    try {
      return List.of(agent.receiveMessage(d));
    } catch (AssertionError nothing) {
      return List.of();
    }
  }
}
