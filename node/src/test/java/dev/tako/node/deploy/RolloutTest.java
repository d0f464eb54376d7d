package dev.tako.node.deploy;

import static dev.tako.node.NodeTesting.SERVER_JS;
import static dev.tako.node.NodeTesting.pack;
import static dev.tako.node.NodeTesting.pids;
import static dev.tako.node.NodeTesting.request;
import static dev.tako.node.TestNodes.WAIT;
import static dev.tako.node.TestNodes.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.tako.node.NodeTesting;
import dev.tako.node.TestNodes;
import dev.tako.node.TestNodes.Node;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.api.DeployResult;
import dev.tako.protocol.api.DeployResult.ServerResult;
import dev.tako.proxy.Upstream;
import dev.tako.supervisor.SupervisorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Atomic rollouts over two NodeAgents ("servers" a and b with their own homes) in one actor system,
 * coordinated from a, with real processes and every message serialized on send.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RolloutTest {
  private final Config config = NodeTesting.localConfig(NodeTesting.tempDir("rollout-snapshots"));

  @JUnit5TestKit
  public final ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(config).build();

  private final SupervisorSettings supervisorSettings = SupervisorSettings.fromConfig(config);
  private final TestNodes nodes = new TestNodes(testKit, supervisorSettings);

  @TempDir Path homeA;
  @TempDir Path homeB;
  private Node a;
  private Node b;

  @BeforeEach
  void startTwoServers() {
    a = nodes.start(TestNodes.uniqueServer("a"), homeA);
    b = nodes.start(TestNodes.uniqueServer("b"), homeB);
  }

  @AfterEach
  void stopEverything() {
    nodes.stopAll();
  }

  /** An artifact uploaded to both servers. */
  private String artifactOnBoth() throws Exception {
    String sha = pack(homeA, Map.of("server.js", SERVER_JS));
    NodeTesting.copyArtifact(homeA, homeB, sha);
    return sha;
  }

  private DeployResult rollout(DeployRequest request) {
    TestProbe<DeployResult> probe = testKit.createTestProbe(DeployResult.class);
    var rollout =
        testKit.spawn(Rollout.create(request, probe.ref(), a.settings(), supervisorSettings));
    DeployResult result = probe.receiveMessage(WAIT);
    probe.expectTerminated(rollout, WAIT);
    return result;
  }

  private static Map<String, ServerResult> byServer(DeployResult result) {
    return result.servers().stream()
        .collect(Collectors.toMap(ServerResult::server, Function.identity()));
  }

  private static void assertResult(
      DeployResult result, String server, String expected, String errorPart) {
    ServerResult r = byServer(result).get(server);
    assertEquals(expected, r.result(), () -> server + ": " + r);
    if (errorPart == null) {
      assertNull(r.error(), r::toString);
    } else {
      assertTrue(r.error() != null && r.error().contains(errorPart), r::toString);
    }
  }

  @Test
  void switchesEveryServer() throws Exception {
    String sha = artifactOnBoth();
    DeployResult result = rollout(request("r1", sha, List.of(a.server(), b.server())));

    assertTrue(result.ok(), result::toString);
    assertEquals("r1", result.release());
    assertEquals(
        List.of(a.server(), b.server()),
        result.servers().stream().map(ServerResult::server).toList());
    assertResult(result, a.server(), "switched", null);
    assertResult(result, b.server(), "switched", null);
    for (Node node : List.of(a, b)) {
      var env = call(nodes.awaitUpstream(node)).get("env");
      assertEquals(node.server(), env.get("TAKO_SERVER").asText());
      assertEquals("r1", env.get("TAKO_RELEASE").asText());
    }

    DeployResult again = rollout(request("r1", sha, List.of(a.server(), b.server())));
    assertTrue(again.ok(), again::toString);
    assertResult(again, a.server(), "unchanged", null);
    assertResult(again, b.server(), "unchanged", null);
  }

  @Test
  void aDeployNamingNoServerRepliesAtOnce() throws Exception {
    DeployResult result = rollout(request("r1", artifactOnBoth(), List.of()));
    assertFalse(result.ok());
    assertEquals(List.of(), result.servers());
  }

  @Test
  void anUnknownServerFailsTheDeployBeforeAnythingStarts() throws Exception {
    String sha = artifactOnBoth();
    DeployResult result = rollout(request("r1", sha, List.of(a.server(), "zz", b.server())));

    assertFalse(result.ok());
    assertResult(result, "zz", "failed", "server zz is not in the cluster");
    assertResult(result, a.server(), "not-switched", null);
    assertResult(result, b.server(), "not-switched", null);
    assertEquals(List.of(), pids(homeA), "nothing ran on " + a.server());
    assertEquals(List.of(), pids(homeB), "nothing ran on " + b.server());
    assertFalse(Files.exists(homeA.resolve("apps/hello/production/releases/r1")));
    assertTrue(TestNodes.target(a).isEmpty());
  }

  @Test
  void aMissingArtifactOnOneServerSwitchesNothing() throws Exception {
    String sha = pack(homeA, Map.of("server.js", SERVER_JS)); // never uploaded to b
    DeployResult result = rollout(request("r1", sha, List.of(a.server(), b.server())));

    assertFalse(result.ok());
    assertResult(result, b.server(), "failed", "was not uploaded to this server");
    assertResult(result, a.server(), "not-switched", null);
    assertEquals(List.of(), pids(homeA), "nothing started on " + a.server());
    assertTrue(TestNodes.target(a).isEmpty());
    assertTrue(TestNodes.target(b).isEmpty());
  }

  @Test
  void aStartFailureOnOneServerStopsTheNewInstancesEverywhere() throws Exception {
    String sha = artifactOnBoth();
    DeployResult first = rollout(request("r1", sha, List.of(a.server(), b.server())));
    assertTrue(first.ok(), first::toString);
    Upstream oldA = nodes.awaitUpstream(a);
    long oldPidA = call(oldA).get("pid").asLong();
    long oldPidB = call(nodes.awaitUpstream(b)).get("pid").asLong();

    DeployRequest crashOnB =
        request("r2", sha, List.of(a.server(), b.server()), Map.of("CRASH_ON", b.server()));
    DeployResult result = rollout(crashOnB);

    assertFalse(result.ok());
    assertResult(result, b.server(), "failed", "exit code 3");
    String error = byServer(result).get(b.server()).error();
    assertTrue(error.contains("boom: refusing to start on " + b.server()), error);
    assertResult(result, a.server(), "not-switched", null);
    // The old release keeps serving on both; r2's processes are gone (a's candidate was aborted).
    nodes.awaitAlive(homeA, List.of(oldPidA));
    nodes.awaitAlive(homeB, List.of(oldPidB));
    assertEquals(oldA, nodes.awaitUpstream(a));
    var env = call(oldA).get("env");
    assertEquals("r1", env.get("TAKO_RELEASE").asText());
    assertEquals("r1", nodes.status(a).apps().get(0).view().release());
    assertEquals("r1", nodes.status(b).apps().get(0).view().release());
  }
}
