package dev.tako.node.converge;

import static dev.tako.node.NodeTesting.SERVER_JS;
import static dev.tako.node.NodeTesting.pack;
import static dev.tako.node.NodeTesting.request;
import static dev.tako.node.TestNodes.WAIT;
import static dev.tako.node.TestNodes.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.tako.node.NodeAgent;
import dev.tako.node.NodeTesting;
import dev.tako.node.TestNodes;
import dev.tako.node.TestNodes.Node;
import dev.tako.node.peer.PeerListener;
import dev.tako.node.peer.PeerSettings;
import dev.tako.node.peer.PeerTesting;
import dev.tako.persistence.ArtifactStore;
import dev.tako.persistence.EnvHead;
import dev.tako.persistence.NodeLedger;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.api.DeployResult;
import dev.tako.protocol.api.RolloutEvent;
import dev.tako.protocol.api.StatusView;
import dev.tako.supervisor.SupervisorSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two NodeAgents in one actor system (every message serialized on send): a deploy decides the head
 * both know; a server that missed a head learns it by gossip, fetches the release from its peer's
 * node-to-node listener (mutual TLS, SHA-256 checked), switches, and still knows the head after a
 * restart.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConvergenceTest {
  private static final Duration CATCH_UP = Duration.ofSeconds(60);

  /** Both agents share the actor system's config: the node-to-node listener below serves a. */
  private final int peerPort = freePort();

  private final Config config =
      com.typesafe.config.ConfigFactory.parseString("tako.peer.port = " + peerPort)
          .withFallback(NodeTesting.localConfig(NodeTesting.tempDir("converge-snapshots")));

  @JUnit5TestKit
  public final ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(config).build();

  private final SupervisorSettings supervisorSettings = SupervisorSettings.fromConfig(config);
  private final TestNodes nodes = new TestNodes(testKit, supervisorSettings);

  @TempDir Path homeA;
  @TempDir Path homeB;
  private Node a;
  private Node b;

  private final Path caDir = NodeTesting.tempDir("converge-ca");
  private ServerBinding listener;

  @BeforeEach
  void startTwoServers() throws Exception {
    // Both servers have certificates of one cluster CA; a's node-to-node listener serves its
    // artifacts to b (large bytes never go through Artery messages).
    var ca = PeerTesting.ca(caDir.resolve("ca"));
    PeerTesting.issue(ca, homeA.resolve("tls"));
    PeerTesting.issue(ca, homeB.resolve("tls"));
    a = nodes.start(TestNodes.uniqueServer("a"), homeA);
    b = nodes.start(TestNodes.uniqueServer("b"), homeB);
    listener =
        PeerListener.bind(
                testKit.system(), PeerSettings.fromConfig(config), homeA, new ArtifactStore(homeA))
            .toCompletableFuture()
            .get(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopEverything() throws Exception {
    nodes.stopAll();
    listener.unbind().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static int freePort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private DeployResult deploy(DeployRequest request) {
    TestProbe<RolloutEvent> events = testKit.createTestProbe(RolloutEvent.class);
    a.agent().tell(new NodeAgent.RunDeploy(request, events.ref()));
    DeployResult result = null;
    while (true) {
      RolloutEvent e = events.receiveMessage(Duration.ofSeconds(60));
      if (e.result() != null) {
        result = e.result();
      }
      if ("end".equals(e.event())) {
        return result;
      }
    }
  }

  private NodeLedger.State ledger(Node node) {
    TestProbe<NodeLedger.State> probe = testKit.createTestProbe(NodeLedger.State.class);
    node.ledger().tell(new NodeLedger.Get(probe.ref()));
    return probe.receiveMessage(WAIT);
  }

  private void await(Duration max, Runnable assertion) {
    testKit
        .createTestProbe()
        .awaitAssert(
            max,
            Duration.ofMillis(200),
            () -> {
              assertion.run();
              return null;
            });
  }

  /** The node's convergence actor, once registered (after the agent loaded its ledger). */
  private ActorRef<Convergence.Command> convergenceOf(Node node) {
    TestProbe<Receptionist.Listing> probe = testKit.createTestProbe(Receptionist.Listing.class);
    return probe.awaitAssert(
        WAIT,
        Duration.ofMillis(50),
        () -> {
          testKit.system().receptionist().tell(Receptionist.find(Convergence.KEY, probe.ref()));
          Set<ActorRef<Convergence.Command>> all =
              probe.receiveMessage(WAIT).getServiceInstances(Convergence.KEY);
          return all.stream()
              .filter(r -> r.path().toString().contains("agent-" + node.server() + "-"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no convergence actor of " + node.server()));
        });
  }

  @Test
  void aDeployDecidesTheHeadEveryNodeKnowsAndApplies() throws Exception {
    String sha = pack(homeA, Map.of("server.js", SERVER_JS));
    NodeTesting.copyArtifact(homeA, homeB, sha);
    DeployResult result = deploy(request("r1", sha, List.of(a.server(), b.server())));
    assertTrue(result.ok(), result::toString);

    for (Node node : List.of(a, b)) {
      await(
          WAIT,
          () -> {
            NodeLedger.State s = ledger(node);
            EnvHead head = s.head(NodeTesting.APP, NodeTesting.ENV);
            assertEquals("r1", head == null ? null : head.release(), node.server());
            assertEquals(1, head.generation());
            assertEquals(a.server(), head.decidedBy());
            assertEquals(EnvHead.DEPLOY, head.kind());
            assertEquals(head, s.appliedHead(NodeTesting.APP, NodeTesting.ENV), node.server());
          });
    }
    var status = nodes.status(b).apps().get(0);
    assertEquals("r1", status.head().release());
  }

  @Test
  void aServerThatMissedTheHeadFetchesTheReleaseFromItsPeerAndKeepsTheHeadAcrossARestart()
      throws Exception {
    String sha1 = pack(homeA, Map.of("server.js", SERVER_JS));
    NodeTesting.copyArtifact(homeA, homeB, sha1);
    assertTrue(deploy(request("r1", sha1, List.of(a.server(), b.server()))).ok());
    // r2 only on a, as when b was skipped; its artifact is nowhere on b.
    String sha2 = pack(homeA, Map.of("server.js", SERVER_JS + "\n// r2\n"));
    assertTrue(deploy(request("r2", sha2, List.of(a.server()))).ok());
    assertEquals("r1", ledger(b).app(NodeTesting.APP, NodeTesting.ENV).orElseThrow().current());

    // The environment's head names both servers; only a hears of it, b by gossip.
    EnvHead head =
        new EnvHead(
            NodeTesting.APP,
            NodeTesting.ENV,
            "r2",
            sha2,
            List.of(a.server(), b.server()),
            5,
            System.currentTimeMillis(),
            a.server(),
            EnvHead.DEPLOY,
            null);
    convergenceOf(a).tell(new Convergence.Gossip("test", List.of(head), List.of(a.server())));

    AtomicBoolean sawCatchingUp = new AtomicBoolean();
    await(
        CATCH_UP,
        () -> {
          var apps = nodes.status(b).apps();
          if (!apps.isEmpty()
              && StatusView.ServerAppView.CATCHING_UP.equals(apps.get(0).view().state())) {
            sawCatchingUp.set(true);
          }
          NodeLedger.State s = ledger(b);
          assertEquals("r2", s.app(NodeTesting.APP, NodeTesting.ENV).orElseThrow().current());
          assertEquals(head, s.appliedHead(NodeTesting.APP, NodeTesting.ENV));
        });
    assertTrue(sawCatchingUp.get(), "status showed b catching up");
    assertTrue(new ArtifactStore(homeB).has(sha2), "the artifact came from a");
    await(
        WAIT,
        () -> {
          try {
            assertEquals(
                "r2", call(nodes.awaitUpstream(b)).get("env").get("TAKO_RELEASE").asText());
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });

    nodes.stop(b);
    Node again = nodes.start(b.server(), homeB);
    assertEquals(head, ledger(again).head(NodeTesting.APP, NodeTesting.ENV));
    b = again;
  }

  @Test
  void twoSidesThatDecidedAtTheSameGenerationEndOnTheLaterDecision() {
    String sha = "ab".repeat(32);
    List<String> servers = List.of(a.server(), b.server());
    EnvHead left =
        new EnvHead("split", "prod", "r-left", sha, servers, 3, 1_000, a.server(), "deploy", null);
    EnvHead right =
        new EnvHead("split", "prod", "r-right", sha, servers, 3, 2_000, b.server(), "deploy", null);
    // Each side knows only its own decision, as during a partition; then gossip crosses.
    convergenceOf(a).tell(new Convergence.Gossip("test", List.of(left), List.of()));
    convergenceOf(b).tell(new Convergence.Gossip("test", List.of(right), List.of()));
    for (Node node : List.of(a, b)) {
      await(WAIT, () -> assertEquals(right, ledger(node).head("split", "prod"), node.server()));
    }
  }

  @Test
  void aServerWithoutTheHeadsSecretsFetchesThemFromAPeerBeforeRestarting() throws Exception {
    String sha = pack(homeA, Map.of("server.js", SERVER_JS));
    NodeTesting.copyArtifact(homeA, homeB, sha);
    assertTrue(deploy(request("r1", sha, List.of(a.server(), b.server()))).ok());
    // Only a got the new secrets (b was cut off during the sync).
    var stored =
        nodes.step(
            a,
            r ->
                new NodeAgent.StoreSecrets(
                    NodeTesting.APP, NodeTesting.ENV, Map.of("API_KEY", "s3cret"), "d1", r));
    assertTrue(stored.ok(), stored::toString);
    EnvHead head =
        new EnvHead(
            NodeTesting.APP,
            NodeTesting.ENV,
            "r1",
            sha,
            List.of(a.server(), b.server()),
            7,
            System.currentTimeMillis(),
            a.server(),
            EnvHead.SECRETS,
            "d1");
    convergenceOf(a).tell(new Convergence.Gossip("test", List.of(head), List.of(a.server())));

    await(
        CATCH_UP,
        () -> {
          NodeLedger.State s = ledger(b);
          assertEquals("d1", s.secretsOf(NodeTesting.APP, NodeTesting.ENV).digest());
          assertEquals(head, s.appliedHead(NodeTesting.APP, NodeTesting.ENV));
        });
    assertEquals("r1", ledger(b).app(NodeTesting.APP, NodeTesting.ENV).orElseThrow().current());
  }
}
