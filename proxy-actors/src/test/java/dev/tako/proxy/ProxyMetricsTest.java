package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorRef;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link TcpProxy} counts requests, latencies and cold starts per app in {@link ProxyMetrics}. */
@ExtendWith(TestKitJUnit5Extension.class)
class ProxyMetricsTest {
  @JUnit5TestKit public ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @Test
  void bucketsAreCumulativeAndStatusClassesCounted() {
    ProxyMetrics metrics = new ProxyMetrics();
    ProxyMetrics.App app = metrics.app("web/production");
    app.request(200, TimeUnit.MILLISECONDS.toNanos(3));
    app.request(204, TimeUnit.MILLISECONDS.toNanos(30));
    app.request(503, TimeUnit.SECONDS.toNanos(20));
    metrics.coldStart("web/production");
    StringBuilder out = new StringBuilder();
    metrics.render(out, "server=\"s1\"");
    String text = out.toString();
    String l = "server=\"s1\",app=\"web\",env=\"production\"";
    assertTrue(text.contains("tako_proxy_requests_total{" + l + ",code=\"2xx\"} 2\n"), text);
    assertTrue(text.contains("tako_proxy_requests_total{" + l + ",code=\"5xx\"} 1\n"), text);
    assertTrue(
        text.contains("tako_proxy_request_duration_seconds_bucket{" + l + ",le=\"0.005\"} 1\n"),
        text);
    assertTrue(
        text.contains("tako_proxy_request_duration_seconds_bucket{" + l + ",le=\"0.05\"} 2\n"),
        text);
    assertTrue(
        text.contains("tako_proxy_request_duration_seconds_bucket{" + l + ",le=\"10.0\"} 2\n"),
        text);
    assertTrue(
        text.contains("tako_proxy_request_duration_seconds_bucket{" + l + ",le=\"+Inf\"} 3\n"),
        text);
    assertTrue(text.contains("tako_proxy_request_duration_seconds_count{" + l + "} 3\n"), text);
    assertTrue(text.contains("tako_proxy_request_duration_seconds_sum{" + l + "} 20.033\n"), text);
    assertTrue(text.contains("tako_proxy_cold_starts_total{" + l + "} 1\n"), text);
    assertTrue(text.contains("# TYPE tako_proxy_request_duration_seconds histogram\n"), text);
  }

  @Test
  void theProxyCountsRequestsAndColdStartsPerApp() throws Exception {
    HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    app.setExecutor(Executors.newFixedThreadPool(2));
    app.createContext(
        "/",
        exchange -> {
          int status = exchange.getRequestURI().getPath().equals("/missing") ? 404 : 200;
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    app.start();
    Upstream upstream = new Upstream("127.0.0.1", app.getAddress().getPort());
    RouteSnapshots holder = new RouteSnapshots();
    ActorRef<RouteTable.Command> table = testKit.spawn(RouteTable.create(holder));
    table.tell(new RouteTable.SetApp("warm/prod", List.of("warm.test"), List.of(upstream)));
    table.tell(new RouteTable.SetApp("cold/prod", List.of("cold.test"), List.of(), true, 0));
    holder.coldStarter(
        key ->
            table.tell(
                new RouteTable.SetApp(
                    "cold/prod", List.of("cold.test"), List.of(upstream), true, 0)));
    Awaitility.await().until(() -> holder.current().apps().size() == 2);
    TcpProxy.Binding binding =
        TcpProxy.bind(testKit.system(), "127.0.0.1", 0, holder, ProxySettings.DEFAULTS, 2, 256)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try {
      for (String[] r :
          new String[][] {
            {"warm.test", "/"}, {"warm.test", "/"}, {"warm.test", "/missing"}, {"cold.test", "/"}
          }) {
        client.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + r[1]))
                .header("Host", r[0])
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.discarding());
      }
      ProxyMetrics metrics = ProxyMetrics.get(testKit.system());
      // Counted when the exchange ends, just after the client has its answer.
      Awaitility.await().until(() -> metrics.requests("warm/prod", 2) == 2);
      Awaitility.await().until(() -> metrics.requests("warm/prod", 4) == 1);
      Awaitility.await().until(() -> metrics.requests("cold/prod", 2) == 1);
      assertEquals(1, metrics.coldStarts("cold/prod"));
      assertEquals(0, metrics.coldStarts("warm/prod"));
    } finally {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
      app.stop(0);
    }
  }
}
