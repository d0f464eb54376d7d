package dev.tako.node.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tako.node.NodeAgent;
import dev.tako.node.NodeSettings;
import dev.tako.node.NodeTesting;
import dev.tako.node.cluster.ClusterView;
import dev.tako.node.status.ServerStatus;
import dev.tako.proxy.ProxySettings;
import dev.tako.proxy.RouteSnapshots;
import dev.tako.proxy.TcpProxy;
import dev.tako.proxy.Upstream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code GET /metrics} with the proxy's counters: a real {@link TcpProxy} in the same actor system
 * forwards requests to a real app, then the endpoint is scraped over HTTP. The NodeAgent is a
 * stand-in that reports no apps.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsTest {
  private final Path home = NodeTesting.tempDir("metrics-home");
  private final HttpClient client = HttpClient.newHttpClient();
  private ActorTestKit testKit;
  private ServerBinding metrics;
  private TcpProxy.Binding proxy;
  private HttpServer app;

  @BeforeAll
  void start() throws Exception {
    Config config =
        ConfigFactory.parseString(
                """
                pekko.actor.provider = cluster
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
    testKit = ActorTestKit.create("MetricsTest", config);
    NodeSettings settings = NodeTesting.nodeSettings("m", home);
    ActorRef<NodeAgent.Command> agent =
        testKit.spawn(
            Behaviors.receiveMessage(
                message -> {
                  if (message instanceof NodeAgent.GetStatus get) {
                    get.replyTo().tell(new ServerStatus("m", "region-m", List.of()));
                  }
                  return Behaviors.same();
                }));
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
    app.createContext(
        "/",
        exchange -> {
          int status = exchange.getRequestURI().getPath().equals("/broken") ? 500 : 200;
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    app.start();
    RouteSnapshots snapshots = new RouteSnapshots();
    snapshots.coldStarter(key -> {});
    // Published the way the RouteTable does (package-private): through a table actor.
    var table = testKit.spawn(dev.tako.proxy.RouteTable.create(snapshots));
    table.tell(
        new dev.tako.proxy.RouteTable.SetApp(
            "shop/production",
            List.of("127.0.0.1"),
            List.of(new Upstream("127.0.0.1", app.getAddress().getPort()))));
    testKit
        .createTestProbe()
        .awaitAssert(
            () -> {
              assertTrue(!snapshots.current().apps().isEmpty());
              return null;
            });
    proxy =
        TcpProxy.bind(testKit.system(), "127.0.0.1", 0, snapshots, ProxySettings.DEFAULTS)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    ClusterView view = new ClusterView(testKit.system(), settings.askTimeout());
    metrics =
        Http.get(testKit.system())
            .newServerAt("127.0.0.1", 0)
            .bind(
                new Metrics(testKit.system(), settings, agent, view, snapshots.inFlight()).routes())
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  void stop() throws Exception {
    if (proxy != null) {
      proxy.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (app != null) {
      app.stop(0);
    }
    if (testKit != null) {
      testKit.shutdownTestKit();
    }
    Files.deleteIfExists(home);
  }

  /** Through the proxy, whose only route is the host 127.0.0.1. */
  private int get(int port, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build();
    return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private String scrape() throws Exception {
    return client
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + metrics.localAddress().getPort() + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void proxyRequestsAppearByAppStatusClassAndLatency() throws Exception {
    int port = proxy.localAddress().getPort();
    assertEquals(200, get(port, "/"));
    assertEquals(200, get(port, "/"));
    assertEquals(500, get(port, "/broken"));
    String labels = "server=\"m\",app=\"shop\",env=\"production\"";
    // Counted as each exchange ends, just after its client has the answer.
    testKit
        .createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(10),
            () -> {
              String now = scrape();
              assertTrue(
                  now.contains("tako_proxy_requests_total{" + labels + ",code=\"5xx\"} 1"), now);
              return null;
            });
    String text = scrape();
    assertTrue(text.contains("tako_proxy_requests_total{" + labels + ",code=\"2xx\"} 2\n"), text);
    assertTrue(text.contains("# TYPE tako_proxy_request_duration_seconds histogram\n"), text);
    assertTrue(
        text.contains("tako_proxy_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} 3\n"),
        text);
    assertTrue(
        text.contains("tako_proxy_request_duration_seconds_count{" + labels + "} 3\n"), text);
    assertTrue(text.contains("tako_proxy_cold_starts_total{" + labels + "} 0\n"), text);
    assertTrue(text.contains("tako_proxy_static_hits_total{" + labels + "} 0\n"), text);
    assertTrue(text.contains("tako_jvm_heap_used_bytes{server=\"m\"}"), text);
    // What the node costs, measured from this process: positive figures, CPU as a counter.
    for (String name :
        List.of(
            "tako_node_rss_bytes",
            "tako_node_heap_used_bytes",
            "tako_node_threads",
            "tako_node_cpu_seconds_total")) {
      assertTrue(
          java.util.regex.Pattern.compile(
                  "(?m)^" + name + "\\{server=\"m\"\\} [0-9]*[1-9][0-9]*(\\.[0-9]+)?(E[0-9]+)?$")
              .matcher(text)
              .find(),
          name + " in\n" + text);
    }
    assertTrue(text.contains("# TYPE tako_node_cpu_seconds_total counter\n"), text);
  }
}
