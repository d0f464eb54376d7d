package dev.tako.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tako.node.status.ServerStatus;
import dev.tako.node.tls.AcmeHosts;
import dev.tako.node.tls.CertificateExchange;
import dev.tako.persistence.NodeLedger;
import dev.tako.proxy.RouteSnapshots;
import dev.tako.proxy.RouteTable;
import dev.tako.proxy.Target;
import dev.tako.proxy.Upstream;
import dev.tako.supervisor.InFlight;
import dev.tako.supervisor.SupervisorSettings;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * Nodes of one test: each a real ledger, route table and NodeAgent in the test's actor system.
 * {@link #stopAll()} stops their apps and actors and kills whatever process survived.
 */
public final class TestNodes {
  public static final Duration WAIT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger NAMES = new AtomicInteger();

  /** One node's actors; the ledger's persistence id is per server, so tests use fresh names. */
  public record Node(
      NodeSettings settings,
      ActorRef<NodeLedger.Command> ledger,
      RouteSnapshots routes,
      ActorRef<RouteTable.Command> routeTable,
      ActorRef<NodeAgent.Command> agent) {
    public String server() {
      return settings.server();
    }

    public Path home() {
      return settings.home();
    }
  }

  private final ActorTestKit testKit;
  private final SupervisorSettings supervisorSettings;
  private final List<Node> nodes = new ArrayList<>();
  private final List<Path> homes = new ArrayList<>();

  public TestNodes(ActorTestKit testKit, SupervisorSettings supervisorSettings) {
    this.testKit = testKit;
    this.supervisorSettings = supervisorSettings;
  }

  /** A server name no other test of this JVM used (ledger ids and receptionist keys differ). */
  public static String uniqueServer(String prefix) {
    return prefix + NAMES.incrementAndGet();
  }

  /** Starts a node and waits until its agent is registered with the receptionist. */
  public Node start(String server, Path home) {
    return start(server, home, AcmeHosts.NONE);
  }

  /** Starts a node whose agent tells {@code acmeHosts} which hosts want ACME certificates. */
  public Node start(String server, Path home, AcmeHosts acmeHosts) {
    return start(server, home, acmeHosts, CertificateExchange.NONE);
  }

  /** ... and forwards other nodes' certificate messages to {@code certificates}. */
  public Node start(
      String server, Path home, AcmeHosts acmeHosts, CertificateExchange certificates) {
    homes.add(home);
    int n = NAMES.incrementAndGet();
    ActorRef<NodeLedger.Command> ledger =
        testKit.spawn(NodeLedger.create(server), "ledger-" + server + "-" + n);
    RouteSnapshots routes = new RouteSnapshots();
    ActorRef<RouteTable.Command> routeTable =
        testKit.spawn(RouteTable.create(routes), "routes-" + server + "-" + n);
    NodeSettings settings = NodeTesting.nodeSettings(server, home);
    ActorRef<NodeAgent.Command> agent =
        testKit.spawn(
            NodeAgent.create(
                settings,
                supervisorSettings,
                ledger,
                routeTable,
                InFlight.NONE,
                acmeHosts,
                certificates),
            "agent-" + server + "-" + n);
    Node node = new Node(settings, ledger, routes, routeTable, agent);
    nodes.add(node);
    TestProbe<Receptionist.Listing> listing = testKit.createTestProbe(Receptionist.Listing.class);
    listing.awaitAssert(
        WAIT,
        Duration.ofMillis(20),
        () -> {
          testKit
              .system()
              .receptionist()
              .tell(Receptionist.find(NodeAgent.key(server), listing.ref()));
          Receptionist.Listing l = listing.receiveMessage(WAIT);
          assertEquals(
              java.util.Set.of(agent), l.getServiceInstances(NodeAgent.key(server)), "listing");
          return null;
        });
    return node;
  }

  /** Stops a node's apps and actors (as a node going down would), keeping its home. */
  public void stop(Node node) {
    TestProbe<Done> done = testKit.createTestProbe(Done.class);
    node.agent().tell(new NodeAgent.StopApps(done.ref()));
    done.receiveMessage(WAIT);
    testKit.stop(node.agent(), WAIT);
    testKit.stop(node.ledger(), WAIT);
    testKit.stop(node.routeTable(), WAIT);
    nodes.remove(node);
  }

  public void stopAll() {
    try {
      for (Node node : List.copyOf(nodes)) {
        stop(node);
      }
    } finally {
      nodes.clear();
      homes.forEach(NodeTesting::killLeftovers);
      homes.clear();
    }
  }

  public StepResult step(Node node, Function<ActorRef<StepResult>, NodeAgent.Command> message) {
    TestProbe<StepResult> probe = testKit.createTestProbe(StepResult.class);
    node.agent().tell(message.apply(probe.ref()));
    return probe.receiveMessage(WAIT);
  }

  public ServerStatus status(Node node) {
    TestProbe<ServerStatus> probe = testKit.createTestProbe(ServerStatus.class);
    node.agent().tell(new NodeAgent.GetStatus(probe.ref()));
    return probe.receiveMessage(WAIT);
  }

  public static Optional<Target> target(Node node) {
    return node.routes().current().match(NodeTesting.ROUTE, "/");
  }

  /** Waits until the route's target has exactly one upstream and returns it. */
  public Upstream awaitUpstream(Node node) {
    return testKit
        .createTestProbe()
        .awaitAssert(
            WAIT,
            Duration.ofMillis(20),
            () -> {
              Target t = target(node).orElseThrow(() -> new AssertionError("no target"));
              assertEquals(1, t.upstreams().size(), () -> "upstreams of " + t);
              return t.upstreams().get(0);
            });
  }

  /** Waits until exactly these processes (by pid) run under a home. */
  public void awaitAlive(Path home, List<Long> pids) {
    testKit
        .createTestProbe()
        .awaitAssert(
            WAIT,
            Duration.ofMillis(20),
            () -> {
              assertEquals(pids, NodeTesting.alivePids(home), "running processes");
              return null;
            });
  }

  /** GET / of an instance: its pid and TAKO_* variables. */
  public static JsonNode call(Upstream upstream) throws IOException, InterruptedException {
    HttpResponse<String> response = NodeTesting.get(upstream.host(), upstream.port(), "/");
    assertEquals(200, response.statusCode());
    return JSON.readTree(response.body());
  }
}
