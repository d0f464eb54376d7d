package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Requests to an app scaled to zero wait for one start through {@link TcpProxy}. */
@ExtendWith(TestKitJUnit5Extension.class)
class ColdStartProxyTest {
  @JUnit5TestKit public ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final List<HttpServer> servers = new ArrayList<>();
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .executor(Executors.newFixedThreadPool(8))
          .build();
  private final AtomicInteger wakes = new AtomicInteger();
  private final RouteSnapshots holder = new RouteSnapshots();
  private TcpProxy.Binding binding;

  @AfterEach
  void stop() throws Exception {
    if (binding != null) {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    servers.forEach(s -> s.stop(0));
    scheduler.shutdownNow();
  }

  private ActorRef<RouteTable.Command> cold(Duration timeout, ColdStarter starter)
      throws Exception {
    ActorRef<RouteTable.Command> t = testKit.spawn(RouteTable.create(holder));
    t.tell(new RouteTable.SetApp("app", List.of("cold.test"), List.of(), true, 0));
    holder.coldStarter(
        key -> {
          wakes.incrementAndGet();
          starter.wake(key);
        });
    binding =
        TcpProxy.bind(
                testKit.system(),
                "127.0.0.1",
                0,
                holder,
                ProxySettings.DEFAULTS,
                ProxyListener.PLAIN,
                new ColdStarts(1000, timeout, k -> holder.coldStarter().wake(k)),
                2,
                256)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    return t;
  }

  private Map<Integer, Integer> fire(int n) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + "/x");
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(
          client.sendAsync(
              HttpRequest.newBuilder(uri)
                  .header("Host", "cold.test")
                  .timeout(Duration.ofSeconds(20))
                  .build(),
              HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
    }
    Map<Integer, Integer> statuses = new TreeMap<>();
    for (var f : all) {
      statuses.merge(f.get(30, TimeUnit.SECONDS).statusCode(), 1, Integer::sum);
    }
    return statuses;
  }

  @Test
  @SuppressWarnings("unchecked")
  void twoHundredSimultaneousRequestsShareOneStartAndAllGet200() throws Exception {
    ActorRef<RouteTable.Command>[] t = new ActorRef[1];
    t[0] =
        cold(
            Duration.ofSeconds(30),
            key ->
                scheduler.schedule(
                    () -> {
                      HttpServer server =
                          HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 500);
                      server.setExecutor(Executors.newFixedThreadPool(8));
                      server.createContext(
                          "/",
                          ex -> {
                            byte[] body = "warm".getBytes(StandardCharsets.UTF_8);
                            ex.sendResponseHeaders(200, body.length);
                            ex.getResponseBody().write(body);
                            ex.close();
                          });
                      server.start();
                      servers.add(server);
                      t[0].tell(
                          new RouteTable.SetApp(
                              "app",
                              List.of("cold.test"),
                              List.of(new Upstream("127.0.0.1", server.getAddress().getPort())),
                              true,
                              0));
                      return null;
                    },
                    500,
                    TimeUnit.MILLISECONDS));
    assertEquals(Map.of(200, 200), fire(200));
    assertEquals(1, wakes.get());
  }

  @Test
  @SuppressWarnings("unchecked")
  void aFailedStartIs502ForTheWaiters() throws Exception {
    ActorRef<RouteTable.Command>[] t = new ActorRef[1];
    t[0] =
        cold(
            Duration.ofSeconds(30),
            key ->
                scheduler.schedule(
                    () ->
                        t[0].tell(
                            new RouteTable.SetApp("app", List.of("cold.test"), List.of(), true, 1)),
                    300,
                    TimeUnit.MILLISECONDS));
    assertEquals(Map.of(502, 20), fire(20));
    assertEquals(1, wakes.get());
  }

  @Test
  void notReadyInTimeIs504() throws Exception {
    cold(Duration.ofMillis(300), key -> {});
    assertEquals(Map.of(504, 10), fire(10));
  }
}
