package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A client address over its concurrent-request limit gets 429 from {@link TcpProxy}. */
@ExtendWith(TestKitJUnit5Extension.class)
class ClientLimitProxyTest {
  @JUnit5TestKit public ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @Test
  void requestsBeyondTheLimitGet429UntilOthersFinish() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger arrived = new AtomicInteger();
    HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    app.setExecutor(Executors.newCachedThreadPool());
    app.createContext(
        "/",
        exchange -> {
          arrived.incrementAndGet();
          try {
            release.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.sendResponseHeaders(200, 2);
          exchange.getResponseBody().write("ok".getBytes());
          exchange.close();
        });
    app.start();
    RouteSnapshots holder = new RouteSnapshots();
    holder.publish(
        RouteSnapshot.of(
            Map.of(
                "app",
                new AppRoutes(
                    List.of("limit.test"),
                    List.of(new Upstream("127.0.0.1", app.getAddress().getPort()))))));
    // Two loops: the count is shared by connections on both.
    TcpProxy.Binding binding =
        TcpProxy.bind(
                testKit.system(),
                "127.0.0.1",
                0,
                holder,
                ProxySettings.DEFAULTS.withMaxRequestsPerClient(3),
                2,
                256)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    // A second port with the same routes (the node's HTTPS port, say) shares the count.
    TcpProxy.Binding other =
        TcpProxy.bind(
                testKit.system(),
                "127.0.0.1",
                0,
                holder,
                ProxySettings.DEFAULTS.withMaxRequestsPerClient(3),
                1,
                256)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(4))
            .build();
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + "/"))
            .header("Host", "limit.test")
            .timeout(Duration.ofSeconds(30))
            .build();
    try {
      List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        held.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> arrived.get() == 3);
      HttpResponse<String> refused = client.send(request, HttpResponse.BodyHandlers.ofString());
      assertEquals(429, refused.statusCode());
      assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));
      HttpRequest viaOther =
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + other.localAddress().getPort() + "/"))
              .header("Host", "limit.test")
              .timeout(Duration.ofSeconds(30))
              .build();
      assertEquals(429, client.send(viaOther, HttpResponse.BodyHandlers.ofString()).statusCode());
      assertEquals(3, arrived.get(), "the app never saw the refused requests");
      release.countDown();
      for (var response : held) {
        assertEquals(200, response.get(20, TimeUnit.SECONDS).statusCode());
      }
      for (int i = 0; i < 5; i++) {
        assertEquals(200, client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
      }
    } finally {
      release.countDown();
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
      other.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
      app.stop(0);
    }
  }
}
