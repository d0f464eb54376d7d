package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node process handing its proxy port over to the next one (tako servers upgrade): both listen
 * with SO_REUSEPORT, the old one drains, and keep-alive visitors under steady load see no failed
 * request; a third listener without the handover is refused the port.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class HandoverProxyTest {
  @JUnit5TestKit public ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private final List<HttpServer> apps = new ArrayList<>();

  @AfterEach
  void stopApps() {
    apps.forEach(a -> a.stop(0));
  }

  private RouteSnapshots routesTo(String answer) throws IOException {
    HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
    app.setExecutor(Executors.newFixedThreadPool(4));
    byte[] body = answer.getBytes(StandardCharsets.UTF_8);
    app.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    app.start();
    apps.add(app);
    RouteSnapshots routes = new RouteSnapshots();
    routes.publish(
        RouteSnapshot.of(
            Map.of(
                "app",
                new AppRoutes(
                    List.of("app.test"),
                    List.of(new Upstream("127.0.0.1", app.getAddress().getPort()))))));
    return routes;
  }

  private TcpProxy.Binding bind(RouteSnapshots routes, int port, boolean takingOver)
      throws Exception {
    return TcpProxy.bind(
            testKit.system(),
            "127.0.0.1",
            port,
            routes,
            ProxySettings.DEFAULTS,
            ProxyListener.PLAIN,
            takingOver)
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void aPortInUseIsRefusedUnlessTakingOver() throws Exception {
    TcpProxy.Binding old = bind(routesTo("old"), 0, false);
    int port = old.localAddress().getPort();
    ExecutionException refused =
        assertThrows(ExecutionException.class, () -> bind(routesTo("other"), port, false));
    assertTrue(
        refused.getCause() instanceof java.net.BindException,
        "a port another socket listens on fails the bind: " + refused.getCause());
    TcpProxy.Binding next = bind(routesTo("new"), port, true);
    old.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    next.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void keepAliveVisitorsUnderLoadMissNothingWhileThePortChangesHands() throws Exception {
    TcpProxy.Binding old = bind(routesTo("old"), 0, false);
    int port = old.localAddress().getPort();
    TcpProxy.Binding next = bind(routesTo("new"), port, true);
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger failures = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
    AtomicBoolean drained = new AtomicBoolean();
    AtomicInteger oldAfterDrain = new AtomicInteger();
    List<Thread> visitors = new ArrayList<>();
    // Connections queued on the old listener when it closes move to the new one only with
    // net.ipv4.tcp_migrate_req (the node turns it on where it may): without it, a visitor opening
    // a connection per request can meet that microseconds' window.
    boolean migrating = TcpProxy.migrateQueuedConnections();
    for (int i = 0; i < 8; i++) {
      // Half keep their connection alive, half open one per request (Connection: close).
      boolean oneShot = migrating && i % 2 == 1;
      Thread t =
          new Thread(
              () -> {
                Socket s = null;
                while (running.get()) {
                  try {
                    if (s == null) {
                      s = new Socket("127.0.0.1", port);
                      s.setSoTimeout(5000);
                    }
                    // Sent once the drain was over: the old process must not answer it.
                    boolean afterDrain = drained.get();
                    Answer a = get(s, oneShot);
                    answers.computeIfAbsent(a.body, k -> new AtomicInteger()).incrementAndGet();
                    if (afterDrain && a.body.equals("old")) {
                      oldAfterDrain.incrementAndGet();
                    }
                    if (a.close || oneShot) {
                      s.close();
                      s = null;
                    }
                  } catch (IOException | RuntimeException e) {
                    failures.incrementAndGet();
                    firstFailure.compareAndSet(null, e.toString());
                    try {
                      if (s != null) {
                        s.close();
                      }
                    } catch (IOException ignored) {
                      // counted
                    }
                    s = null;
                  }
                }
                try {
                  if (s != null) {
                    s.close();
                  }
                } catch (IOException ignored) {
                  // done
                }
              });
      t.start();
      visitors.add(t);
    }
    awaitCount(answers, "old", 200);
    long start = System.nanoTime();
    old.drain(Duration.ofSeconds(10)).toCompletableFuture().get(15, TimeUnit.SECONDS);
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    drained.set(true);
    int newBefore = count(answers, "new");
    awaitCount(answers, "new", newBefore + 200);
    running.set(false);
    for (Thread t : visitors) {
      t.join(10_000);
    }
    next.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(0, failures.get(), "failed requests during the handover: " + firstFailure.get());
    assertEquals(0, oldAfterDrain.get(), "nothing answered by the old process after its drain");
    assertTrue(
        tookMs < 5000, "busy keep-alive connections end at their next answer (" + tookMs + " ms)");
  }

  @Test
  void aQuietKeepAliveConnectionIsClosedSoonAfterTheDrainBegins() throws Exception {
    TcpProxy.Binding old = bind(routesTo("old"), 0, false);
    int port = old.localAddress().getPort();
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      assertEquals("old", get(s).body);
      long start = System.nanoTime();
      old.drain(Duration.ofSeconds(30)).toCompletableFuture().get(15, TimeUnit.SECONDS);
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertEquals(-1, s.getInputStream().read(), "the quiet connection was closed");
      assertTrue(tookMs < 10_000, "closed after about a second of quiet, not the grace: " + tookMs);
    }
  }

  private static void awaitCount(Map<String, AtomicInteger> answers, String key, int n) {
    org.awaitility.Awaitility.await("answers from " + key + " reach " + n)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> count(answers, key) >= n);
  }

  private static int count(Map<String, AtomicInteger> answers, String key) {
    AtomicInteger c = answers.get(key);
    return c == null ? 0 : c.get();
  }

  private record Answer(String body, boolean close) {}

  /** One GET on a keep-alive connection; fails on anything but a whole 200 answer. */
  private static Answer get(Socket s) throws IOException {
    return get(s, false);
  }

  private static Answer get(Socket s, boolean askClose) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(
        ("GET / HTTP/1.1\r\nHost: app.test\r\n"
                + (askClose ? "Connection: close\r\n" : "")
                + "\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection ended before the answer's head");
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String text = head.toString(StandardCharsets.US_ASCII);
    if (!text.startsWith("HTTP/1.1 200")) {
      throw new IOException("answer " + text.lines().findFirst().orElse(""));
    }
    int length = -1;
    boolean close = false;
    for (String line : text.split("\r\n")) {
      String lower = line.toLowerCase(java.util.Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Integer.parseInt(lower.substring(15).trim());
      } else if (lower.startsWith("connection:") && lower.contains("close")) {
        close = true;
      }
    }
    if (length < 0) {
      throw new IOException("no Content-Length: " + text);
    }
    byte[] body = in.readNBytes(length);
    if (body.length != length) {
      throw new IOException("body cut short");
    }
    return new Answer(new String(body, StandardCharsets.UTF_8), close);
  }
}
