package dev.tako.node;

import static dev.tako.node.NodeTesting.APP;
import static dev.tako.node.NodeTesting.ENV;
import static dev.tako.node.NodeTesting.ROUTE;
import static dev.tako.node.NodeTesting.SERVER_JS;
import static dev.tako.node.NodeTesting.alivePids;
import static dev.tako.node.NodeTesting.pack;
import static dev.tako.node.NodeTesting.request;
import static dev.tako.node.TestNodes.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.tako.node.TestNodes.Node;
import dev.tako.node.status.ServerStatus;
import dev.tako.node.tls.AcmeHost;
import dev.tako.node.tls.AcmeHosts;
import dev.tako.node.tls.CertificateCopy;
import dev.tako.node.tls.CertificateExchange;
import dev.tako.node.tls.SharedCertificate;
import dev.tako.persistence.NodeLedger;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.api.StatusView;
import dev.tako.proxy.Upstream;
import dev.tako.supervisor.InFlight;
import dev.tako.supervisor.SupervisorSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NodeAgent with a real ledger (in-memory journal), a real route table and real Node.js
 * processes, every message serialized on send.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeAgentTest {
  private final Config config =
      NodeTesting.localConfig(NodeTesting.tempDir("node-agent-snapshots"));

  @JUnit5TestKit
  public final ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(config).build();

  private final TestNodes nodes = new TestNodes(testKit, SupervisorSettings.fromConfig(config));

  @AfterEach
  void stopEverything() {
    nodes.stopAll();
  }

  private Node start(Path home) {
    return nodes.start(TestNodes.uniqueServer("n"), home);
  }

  private StepResult step(Node node, Function<ActorRef<StepResult>, NodeAgent.Command> message) {
    return nodes.step(node, message);
  }

  private static void assertOk(StepResult result) {
    assertTrue(result.ok(), result::toString);
  }

  private void deploy(Node node, DeployRequest req) {
    StepResult prepared = step(node, r -> new NodeAgent.Prepare(req, r));
    assertTrue(prepared.ok(), () -> "prepare: " + prepared);
    assertFalse(prepared.unchanged());
    StepResult started = step(node, r -> new NodeAgent.StartRelease(APP, ENV, req.release(), r));
    assertTrue(started.ok(), () -> "start: " + started);
    StepResult switched = step(node, r -> new NodeAgent.Switch(APP, ENV, req.release(), r));
    assertTrue(switched.ok(), () -> "switch: " + switched);
  }

  @Test
  void preparesStartsAndSwitchesARelease(@TempDir Path home) throws Exception {
    Node node = start(home);
    String server = node.server();
    String sha = pack(home, Map.of("server.js", SERVER_JS));

    DeployRequest req = request("r1", sha, List.of(server));
    StepResult prepared = step(node, r -> new NodeAgent.Prepare(req, r));
    assertEquals(new StepResult(server, true, false, null, List.of()), prepared);
    StepResult started = step(node, r -> new NodeAgent.StartRelease(APP, ENV, "r1", r));
    assertTrue(started.ok(), started::toString);
    assertTrue(TestNodes.target(node).isEmpty(), "no traffic to a release before its switch");

    StepResult switched = step(node, r -> new NodeAgent.Switch(APP, ENV, "r1", r));
    assertTrue(switched.ok(), switched::toString);
    Upstream upstream = nodes.awaitUpstream(node);
    assertEquals("127.0.0.1", upstream.host());
    JsonNode answer = TestNodes.call(upstream);
    JsonNode env = answer.get("env");
    assertEquals(APP, env.get("TAKO_APP").asText());
    assertEquals(ENV, env.get("TAKO_ENV").asText());
    assertEquals("r1", env.get("TAKO_RELEASE").asText());
    assertEquals(server, env.get("TAKO_SERVER").asText());
    assertEquals("region-" + server, env.get("TAKO_REGION").asText());
    assertEquals(
        home.resolve("apps/hello/production/data").toAbsolutePath().normalize().toString(),
        env.get("TAKO_DATA_DIR").asText());
    assertNotNull(env.get("TAKO_INSTANCE"));
    assertEquals("hi", env.get("GREETING").asText());
    long pid = answer.get("pid").asLong();

    StepResult again = step(node, r -> new NodeAgent.Prepare(req, r));
    assertTrue(again.ok() && again.unchanged(), again::toString);

    ServerStatus status = nodes.status(node);
    assertEquals(server, status.server());
    assertEquals("region-" + server, status.region());
    assertEquals(1, status.apps().size());
    ServerStatus.AppOnServer app = status.apps().get(0);
    assertEquals(APP, app.app());
    assertEquals(ENV, app.env());
    assertEquals(List.of(ROUTE), app.routes());
    assertEquals("r1", app.view().release());
    assertEquals(1, app.view().desired());
    assertEquals(1, app.view().instances().size());
    StatusView.InstanceView instance = app.view().instances().get(0);
    assertEquals(pid, instance.pid());
    assertEquals(upstream.port(), instance.port());
    assertEquals("ready", instance.state());
    assertTrue(instance.healthy());
    assertEquals("r1", instance.release());

    TestProbe<Done> done = testKit.createTestProbe(Done.class);
    node.agent().tell(new NodeAgent.StopApps(done.ref()));
    done.receiveMessage(WAIT);
    assertEquals(List.of(), alivePids(home), "StopApps replies once every process is gone");
  }

  @Test
  void scaledToZeroTheRouteStaysColdAndAWakeUpStartsOneInstance(@TempDir Path home)
      throws Exception {
    Node node = start(home);
    String sha = pack(home, Map.of("server.js", SERVER_JS));
    deploy(node, request("r1", sha, List.of(node.server())));
    long warm = TestNodes.call(nodes.awaitUpstream(node)).get("pid").asLong();

    StepResult scaled = step(node, r -> new NodeAgent.SetScale(APP, ENV, 0, r));
    assertTrue(scaled.ok(), scaled::toString);
    testKit
        .createTestProbe()
        .awaitAssert(
            WAIT,
            Duration.ofMillis(20),
            () -> {
              var t = TestNodes.target(node).orElseThrow(() -> new AssertionError("no route"));
              assertTrue(t.cold() && t.isEmpty(), t::toString);
              return null;
            });
    nodes.awaitAlive(home, List.of());

    node.agent().tell(new NodeAgent.WakeUp(new AppEnv(APP, ENV)));
    node.agent().tell(new NodeAgent.WakeUp(new AppEnv(APP, ENV)));
    long woken = TestNodes.call(nodes.awaitUpstream(node)).get("pid").asLong();
    assertNotEquals(warm, woken);
    assertTrue(TestNodes.target(node).orElseThrow().cold(), "still scaled to zero");
    nodes.awaitAlive(home, List.of(woken));
    assertEquals(0, nodes.status(node).apps().get(0).view().desired());
  }

  @Test
  void switchingToANewReleaseMovesTrafficAndStopsTheOldProcess(@TempDir Path home)
      throws Exception {
    Node node = start(home);
    String server = node.server();
    String sha = pack(home, Map.of("server.js", SERVER_JS));
    deploy(node, request("r1", sha, List.of(server)));
    long oldPid = TestNodes.call(nodes.awaitUpstream(node)).get("pid").asLong();

    deploy(node, request("r2", sha, List.of(server)));
    JsonNode answer =
        testKit
            .createTestProbe()
            .awaitAssert(
                WAIT,
                Duration.ofMillis(20),
                () -> {
                  JsonNode a = TestNodes.call(nodes.awaitUpstream(node));
                  assertEquals("r2", a.get("env").get("TAKO_RELEASE").asText());
                  return a;
                });
    assertNotEquals(oldPid, answer.get("pid").asLong());
    nodes.awaitAlive(home, List.of(answer.get("pid").asLong()));
  }

  @Test
  void aCorruptArtifactFailsPrepare(@TempDir Path home) throws Exception {
    Node node = start(home);
    String server = node.server();
    String sha = pack(home, Map.of("server.js", SERVER_JS));
    Path artifact = home.resolve("artifacts").resolve(sha + ".tar.gz");
    Files.write(artifact, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);

    StepResult prepared = step(node, r -> new NodeAgent.Prepare(request("r1", sha, List.of()), r));
    assertFalse(prepared.ok());
    assertEquals(server, prepared.server());
    assertTrue(prepared.error().contains("corrupt"), prepared.error());
    assertTrue(prepared.error().contains("run tako deploy again"), prepared.error());
    assertFalse(Files.exists(artifact), "a corrupt artifact is deleted");
    assertFalse(Files.exists(home.resolve("apps/hello/production/releases/r1")));

    StepResult started = step(node, r -> new NodeAgent.StartRelease(APP, ENV, "r1", r));
    assertFalse(started.ok());
    assertTrue(started.error().contains("not prepared"), started.error());
  }

  @Test
  void aStartFailureRepliesWithTheLastStderrLines(@TempDir Path home) {
    Node node = start(home);
    String server = node.server();
    String sha = pack(home, Map.of("server.js", SERVER_JS));
    DeployRequest req = request("r1", sha, List.of(server), Map.of("CRASH_ON", server));
    assertOk(step(node, r -> new NodeAgent.Prepare(req, r)));

    StepResult started = step(node, r -> new NodeAgent.StartRelease(APP, ENV, "r1", r));
    assertFalse(started.ok());
    assertTrue(started.error().contains("exit code 3"), started.error());
    assertTrue(
        started.lastStderr().stream().anyMatch(l -> l.contains("boom: refusing to start")),
        started::toString);
    assertEquals(1, NodeTesting.pids(home).size(), "the app ran once");
    nodes.awaitAlive(home, List.of());
    assertTrue(TestNodes.target(node).isEmpty());
  }

  @Test
  void commandsWaitUntilTheLedgerIsLoaded(@TempDir Path home) {
    // A deploy that reached a node before its ledger was read was answered on an empty state,
    // which the late loaded state then replaced: "release r1 was not prepared here".
    TestProbe<NodeLedger.Command> ledger = testKit.createTestProbe(NodeLedger.Command.class);
    ActorRef<dev.tako.proxy.RouteTable.Command> routes =
        testKit.spawn(dev.tako.proxy.RouteTable.create(new dev.tako.proxy.RouteSnapshots()));
    ActorRef<NodeAgent.Command> agent =
        testKit.spawn(
            NodeAgent.create(
                NodeTesting.nodeSettings(TestNodes.uniqueServer("early"), home),
                SupervisorSettings.fromConfig(config),
                ledger.ref(),
                routes,
                InFlight.NONE,
                AcmeHosts.NONE,
                CertificateExchange.NONE));
    NodeLedger.Get load = ledger.expectMessageClass(NodeLedger.Get.class);
    TestProbe<StepResult> answer = testKit.createTestProbe(StepResult.class);
    agent.tell(new NodeAgent.GetLease(APP, ENV, answer.ref()));
    answer.expectNoMessage(Duration.ofMillis(300));

    load.replyTo().tell(NodeLedger.State.empty());
    assertOk(answer.receiveMessage(Duration.ofSeconds(5)));
    testKit.stop(agent);
  }

  @Test
  void abortStopsTheStartedInstances(@TempDir Path home) {
    Node node = start(home);
    String server = node.server();
    String sha = pack(home, Map.of("server.js", SERVER_JS));
    DeployRequest req = request("r1", sha, List.of(server));
    assertOk(step(node, r -> new NodeAgent.Prepare(req, r)));
    assertOk(step(node, r -> new NodeAgent.StartRelease(APP, ENV, "r1", r)));
    assertEquals(1, alivePids(home).size(), "the candidate runs");

    StepResult aborted = step(node, r -> new NodeAgent.Abort(APP, ENV, "r1", r));
    assertTrue(aborted.ok(), aborted::toString);
    assertEquals(List.of(), alivePids(home), "Abort replies once the candidate is gone");
    assertTrue(TestNodes.target(node).isEmpty());
    assertEquals(List.of(), nodes.status(node).apps(), "an aborted release is not current");
  }

  @Test
  void switchAndAbortActOnlyOnTheReleaseThatWasStarted(@TempDir Path home) throws Exception {
    Node node = start(home);
    String server = node.server();
    String sha = pack(home, Map.of("server.js", SERVER_JS));
    for (String release : List.of("r1", "r2")) {
      DeployRequest req = request(release, sha, List.of(server));
      assertOk(step(node, r -> new NodeAgent.Prepare(req, r)));
    }
    assertOk(step(node, r -> new NodeAgent.StartRelease(APP, ENV, "r1", r)));
    List<Long> candidate = alivePids(home);
    assertEquals(1, candidate.size());

    // Another deploy's steps for r2: the r1 candidate is neither switched to nor stopped.
    StepResult switched = step(node, r -> new NodeAgent.Switch(APP, ENV, "r2", r));
    assertFalse(switched.ok());
    assertTrue(switched.error().contains("release r1 is being deployed"), switched.error());
    assertOk(step(node, r -> new NodeAgent.Abort(APP, ENV, "r2", r)));
    assertEquals(candidate, alivePids(home));
    assertTrue(TestNodes.target(node).isEmpty());
    assertEquals(List.of(), nodes.status(node).apps(), "nothing became current");

    assertOk(step(node, r -> new NodeAgent.Switch(APP, ENV, "r1", r)));
    assertEquals(
        "r1", TestNodes.call(nodes.awaitUpstream(node)).get("env").get("TAKO_RELEASE").asText());
  }

  @Test
  void deleteStopsTheAppRemovesItsRouteFilesAndSecretsAndKeepsItsData(@TempDir Path home)
      throws Exception {
    Node node = start(home);
    String server = node.server();
    String sha = pack(home, Map.of("server.js", SERVER_JS));
    deploy(node, request("r1", sha, List.of(server)));
    nodes.awaitUpstream(node);
    assertOk(step(node, r -> new NodeAgent.StoreSecrets(APP, ENV, Map.of("K", "v"), "d1", r)));
    Path app = home.resolve("apps").resolve(APP).resolve(ENV);
    Files.writeString(app.resolve("data").resolve("kept.txt"), "mine");

    StepResult deleted = step(node, r -> new NodeAgent.DeleteApp(APP, ENV, false, r));
    assertOk(deleted);
    assertFalse(deleted.unchanged(), deleted::toString);
    assertEquals("deleted", deleted.detail());
    assertTrue(TestNodes.target(node).isEmpty(), "no route is left");
    assertEquals(List.of(), alivePids(home), "the reply comes once every process is gone");
    try (var left = Files.list(app)) {
      assertEquals(List.of(app.resolve("data")), left.toList());
    }
    assertFalse(Files.exists(home.resolve("artifacts").resolve(sha + ".tar.gz")));
    assertTrue(nodes.status(node).apps().isEmpty());
    TestProbe<dev.tako.node.secrets.SecretsDigest> digest =
        testKit.createTestProbe(dev.tako.node.secrets.SecretsDigest.class);
    node.agent().tell(new NodeAgent.GetSecretsDigest(APP, ENV, digest.ref()));
    assertEquals(null, digest.receiveMessage(WAIT).digest(), "the secrets went with the app");

    StepResult again = step(node, r -> new NodeAgent.DeleteApp(APP, ENV, true, r));
    assertOk(again);
    assertEquals("not-deployed", again.detail());
    assertFalse(Files.exists(app), "--purge-data removes the data directory too");

    // The same app can be deployed again at once (its old supervisor's name is free or avoided).
    String sha2 = pack(home, Map.of("server.js", SERVER_JS));
    deploy(node, request("r2", sha2, List.of(server)));
    assertEquals(
        "r2", TestNodes.call(nodes.awaitUpstream(node)).get("env").get("TAKO_RELEASE").asText());
  }

  @Test
  void aStepOfARolloutThatLostTheLockToAnotherIsRefused(@TempDir Path home) throws Exception {
    Node node = start(home);
    String server = node.server();
    String sha = pack(home, Map.of("server.js", SERVER_JS));
    DeployRequest req = request("r1", sha, List.of(server));
    var other = new dev.tako.node.leases.Leases.Holder("other", "fra", "bob@laptop", "now");
    // Another rollout took the lock here (the first one's lease lapsed during a partition).
    assertOk(step(node, r -> new NodeAgent.AcquireLease(APP, ENV, other, 60_000, r)));

    StepResult prepare = step(node, r -> new NodeAgent.Prepare(req, r, "first"));
    assertFalse(prepare.ok(), prepare::toString);
    assertTrue(prepare.error().contains("lost the lock"), prepare.error());
    assertTrue(prepare.error().contains("bob@laptop"), prepare.error());
    StepResult start = step(node, r -> new NodeAgent.StartRelease(APP, ENV, "r1", r, "first"));
    assertFalse(start.ok(), start::toString);
    StepResult switched = step(node, r -> new NodeAgent.Switch(APP, ENV, "r1", r, "first"));
    assertFalse(switched.ok(), switched::toString);
    assertTrue(TestNodes.target(node).isEmpty(), "nothing of the refused rollout runs");

    // The holder's own steps run.
    assertOk(step(node, r -> new NodeAgent.Prepare(req, r, "other")));
    assertOk(step(node, r -> new NodeAgent.StartRelease(APP, ENV, "r1", r, "other")));
    assertOk(step(node, r -> new NodeAgent.Switch(APP, ENV, "r1", r, "other")));
    nodes.awaitUpstream(node);
  }

  @Test
  void aRestartedAgentRestoresItsAppsFromTheLedger(@TempDir Path home) throws Exception {
    Node first = start(home);
    String server = first.server();
    String sha = pack(home, Map.of("server.js", SERVER_JS));
    deploy(first, request("r1", sha, List.of(server)));
    long oldPid = TestNodes.call(nodes.awaitUpstream(first)).get("pid").asLong();

    // The node goes down: apps stopped, then the agent (with its supervisors) and the ledger.
    nodes.stop(first);
    assertEquals(List.of(), alivePids(home), "StopApps replies once every process is gone");

    Node second = nodes.start(server, home);
    JsonNode answer = TestNodes.call(nodes.awaitUpstream(second));
    assertEquals("r1", answer.get("env").get("TAKO_RELEASE").asText());
    assertNotEquals(oldPid, answer.get("pid").asLong());
    ServerStatus status = nodes.status(second);
    assertEquals("r1", status.apps().get(0).view().release());
    assertEquals(1, status.apps().get(0).view().instances().size());

    StepResult again =
        step(second, r -> new NodeAgent.Prepare(request("r1", sha, List.of(server)), r));
    assertTrue(again.unchanged(), "the restored ledger still knows r1 is current");
  }

  @Test
  void theHostsOfACurrentAcmeReleaseAreWantedAfterTheSwitchAndAfterARestart(@TempDir Path home)
      throws Exception {
    java.util.concurrent.BlockingQueue<List<AcmeHost>> wanted =
        new java.util.concurrent.LinkedBlockingQueue<>();
    String server = TestNodes.uniqueServer("n");
    Node first = nodes.start(server, home, wanted::add);
    assertEquals(
        List.of(), wanted.poll(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
    String sha = pack(home, Map.of("server.js", SERVER_JS));
    DeployRequest plain = request("r1", sha, List.of(server));
    DeployRequest acme =
        new DeployRequest(
            plain.app(),
            plain.env(),
            plain.release(),
            plain.artifactSha256(),
            plain.start(),
            plain.health(),
            plain.instances(),
            plain.idleTimeout(),
            null,
            plain.vars(),
            List.of(ROUTE, "*.wild.localhost"),
            plain.servers(),
            "atomic",
            null,
            "acme",
            "ops@shop.test",
            "https://127.0.0.1:1/dir",
            plain.by(),
            plain.created());
    List<AcmeHost> expected =
        List.of(
            new AcmeHost(
                ROUTE,
                false,
                APP + "/" + ENV,
                "https://127.0.0.1:1/dir",
                "ops@shop.test",
                List.of(server)),
            new AcmeHost(
                "wild.localhost",
                true,
                APP + "/" + ENV,
                "https://127.0.0.1:1/dir",
                "ops@shop.test",
                List.of(server)));
    deploy(first, acme);
    assertEquals(expected, awaitWanted(wanted, expected));

    nodes.stop(first);
    wanted.clear();
    nodes.start(server, home, wanted::add);
    assertEquals(
        expected, wanted.poll(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
  }

  @Test
  void otherNodesChallengesAndCertificatesReachTheCertificateManagerSerialized(@TempDir Path home) {
    Map<String, String> challenges = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.concurrent.BlockingQueue<String> calls =
        new java.util.concurrent.LinkedBlockingQueue<>();
    SharedCertificate copy =
        new SharedCertificate("shop.localhost", "-----BEGIN PRIVATE KEY-----x", "chain");
    CertificateExchange exchange =
        new CertificateExchange() {
          @Override
          public void challengePublished(String token, String keyAuthorization, String by) {
            challenges.put(token, keyAuthorization + " by " + by);
          }

          @Override
          public void challengeWithdrawn(String token) {
            challenges.remove(token);
          }

          @Override
          public SharedCertificate requested(AcmeHost host, String by, boolean orderIfMissing) {
            calls.add("requested " + host + " by " + by + " " + orderIfMissing);
            return host.host().equals("shop.localhost") ? copy : null;
          }

          @Override
          public boolean receive(SharedCertificate certificate, String from) throws IOException {
            calls.add("receive " + certificate.host() + " " + certificate.keyPem() + " " + from);
            if (certificate.chainPem().isEmpty()) {
              throw new IOException("the chain holds no certificate");
            }
            return certificate.host().equals("new.localhost");
          }
        };
    String server = TestNodes.uniqueServer("n");
    Node node = nodes.start(server, home, hosts -> {}, exchange);

    StepResult ack = step(node, r -> new NodeAgent.PublishChallenge("tok", "tok.abc", "nyc", r));
    assertTrue(ack.ok());
    assertEquals(Map.of("tok", "tok.abc by nyc"), challenges);
    assertOk(step(node, r -> new NodeAgent.WithdrawChallenge("tok", r)));
    assertEquals(Map.of(), challenges);

    AcmeHost host =
        new AcmeHost(
            "shop.localhost",
            false,
            "shop/production",
            "https://ca.test/dir",
            null,
            List.of("nyc", server));
    TestProbe<CertificateCopy> copies = testKit.createTestProbe(CertificateCopy.class);
    node.agent().tell(new NodeAgent.FetchCertificate(host, "nyc", true, copies.ref()));
    assertEquals(new CertificateCopy(server, copy), copies.receiveMessage(WAIT));
    AcmeHost other =
        new AcmeHost("none.localhost", false, "shop/production", "https://ca.test/dir", null);
    node.agent().tell(new NodeAgent.FetchCertificate(other, "la", false, copies.ref()));
    assertEquals(new CertificateCopy(server, null), copies.receiveMessage(WAIT));
    assertEquals("requested " + host + " by nyc true", calls.poll());
    assertEquals("requested " + other + " by la false", calls.poll());

    StepResult taken =
        step(
            node,
            r ->
                new NodeAgent.StoreCertificate(
                    new SharedCertificate("new.localhost", "key", "chain"), "nyc", r));
    assertTrue(taken.ok() && !taken.unchanged(), taken::toString);
    StepResult kept = step(node, r -> new NodeAgent.StoreCertificate(copy, "nyc", r));
    assertTrue(kept.ok() && kept.unchanged(), kept::toString);
    StepResult bad =
        step(
            node,
            r ->
                new NodeAgent.StoreCertificate(
                    new SharedCertificate("bad.localhost", "key", ""), "nyc", r));
    assertFalse(bad.ok());
    assertEquals("the chain holds no certificate", bad.error());
    assertEquals("receive new.localhost key nyc", calls.poll());
    assertEquals("receive shop.localhost -----BEGIN PRIVATE KEY-----x nyc", calls.poll());
    // The key crossed the (serialized) message; its printed form never shows it.
    assertFalse(
        new NodeAgent.StoreCertificate(copy, "nyc", null).toString().contains("PRIVATE KEY"));
    assertFalse(new CertificateCopy(server, copy).toString().contains("PRIVATE KEY"));
  }

  /** The lists told to the AcmeHosts until one equals {@code expected} (or the wait ends). */
  private static List<AcmeHost> awaitWanted(
      java.util.concurrent.BlockingQueue<List<AcmeHost>> wanted, List<AcmeHost> expected)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    List<AcmeHost> last = null;
    while (System.nanoTime() < deadline) {
      List<AcmeHost> next =
          wanted.poll(
              Math.max(1, (deadline - System.nanoTime()) / 1_000_000),
              java.util.concurrent.TimeUnit.MILLISECONDS);
      if (next == null || next.equals(expected)) {
        return next == null ? last : next;
      }
      last = next;
    }
    return last;
  }
}
