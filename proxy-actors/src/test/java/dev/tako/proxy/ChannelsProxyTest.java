package dev.tako.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import dev.tako.proxy.channels.ChannelKey;
import dev.tako.proxy.channels.ChannelPolicy;
import dev.tako.proxy.channels.ChannelRetention;
import dev.tako.proxy.channels.WebSocketReaderTest;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Channel streams end to end through {@link TcpProxy} over real sockets (SPEC §13): SSE and
 * WebSocket subscribers, replay by id, the app's authorize path, refusals with their statuses,
 * limits, hostile WebSocket frames and a slow subscriber that must not hold up a fast one. The
 * cluster side is {@link MemoryChannelHub}; the app is a real HTTP server answering the authorize
 * path.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChannelsProxyTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ChannelRetention FIVE = new ChannelRetention(Duration.ofMinutes(10), 5);

  private ActorTestKit testKit;
  private ActorTestKit limitedKit;
  private HttpServer app;
  private final ConcurrentLinkedQueue<String> asked = new ConcurrentLinkedQueue<>();
  private final MemoryChannelHub hub = new MemoryChannelHub();
  private TcpProxy.Binding proxy;
  private TcpProxy.Binding noHub;
  private TcpProxy.Binding limited;

  @BeforeAll
  void start() throws Exception {
    testKit =
        ActorTestKit.create(
            ConfigFactory.parseString(
                    "tako.channels { keep-alive = 300ms, subscriber-buffer = 256KiB }")
                .withFallback(ConfigFactory.load()));
    limitedKit =
        ActorTestKit.create(
            ConfigFactory.parseString("tako.channels.max-subscribers = 1")
                .withFallback(ConfigFactory.load()));
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext(
        "/auth",
        exchange -> {
          String query = exchange.getRequestURI().getQuery();
          String cookie = exchange.getRequestHeaders().getFirst("Cookie");
          String auth = exchange.getRequestHeaders().getFirst("Authorization");
          asked.add(query);
          boolean allowed =
              query.endsWith("op=subscribe")
                  ? cookie != null && cookie.contains("ok=1")
                  : "Bearer writer".equals(auth);
          exchange.sendResponseHeaders(allowed ? 204 : 403, -1);
          exchange.close();
        });
    app.start();
    Upstream instance = new Upstream("127.0.0.1", app.getAddress().getPort());
    Upstream dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = new Upstream("127.0.0.1", s.getLocalPort());
    }
    RouteSnapshot snapshot =
        RouteSnapshot.of(
                Map.of(
                    "chat/production", new AppRoutes(List.of("chat.test"), List.of(instance)),
                    "closed/production", new AppRoutes(List.of("closed.test"), List.of(instance)),
                    "down/production", new AppRoutes(List.of("down.test"), List.of(dead))))
            .withChannels(
                Map.of(
                    "chat/production",
                    new ChannelPolicy(List.of("news", "room-*"), "/auth", FIVE),
                    "down/production",
                    new ChannelPolicy(List.of(), "/auth", FIVE)));
    RouteSnapshots routes = new RouteSnapshots();
    routes.publish(snapshot);
    routes.channelHub(hub);
    proxy = bind(testKit, routes);
    RouteSnapshots without = new RouteSnapshots();
    without.publish(snapshot);
    noHub = bind(testKit, without);
    RouteSnapshots few = new RouteSnapshots();
    few.publish(snapshot);
    few.channelHub(hub);
    limited = bind(limitedKit, few);
  }

  private static TcpProxy.Binding bind(ActorTestKit kit, RouteSnapshots routes) throws Exception {
    return TcpProxy.bind(kit.system(), "127.0.0.1", 0, routes, ProxySettings.DEFAULTS)
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  void stop() throws Exception {
    for (TcpProxy.Binding b : List.of(proxy, noHub, limited)) {
      b.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    app.stop(0);
    testKit.shutdownTestKit();
    limitedKit.shutdownTestKit();
  }

  private static ChannelKey chat(String channel) {
    return new ChannelKey("chat", "production", channel);
  }

  private void publish(String channel, String message) {
    hub.publish(chat(channel), FIVE, message.getBytes(StandardCharsets.UTF_8));
  }

  private void awaitSubscribers(String channel, int n) {
    await().atMost(WAIT).until(() -> hub.subscribers(chat(channel)) == n);
  }

  // ----- SSE

  @Test
  void sseSubscribersSeeEveryMessageOnceInOneOrder() throws Exception {
    try (Sse a = new Sse(port(proxy), "chat.test", "/_tako/channels/news");
        Sse b = new Sse(port(proxy), "chat.test", "/_tako/channels/news")) {
      assertTrue(a.head.startsWith("HTTP/1.1 200 OK\r\n"), a.head);
      assertTrue(a.head.contains("Content-Type: text/event-stream"), a.head);
      awaitSubscribers("news", 2);
      publish("news", "first");
      publish("news", "two\nlines");
      publish("news", "third");
      List<String> expected = List.of("1|first", "2|two\nlines", "3|third");
      assertEquals(expected, a.events(3));
      assertEquals(expected, b.events(3));
    }
    awaitSubscribers("news", 0);
    assertTrue(ProxyMetrics.get(testKit.system()).channels.deliveries() >= 6);
  }

  @Test
  void lastEventIdReplaysWhatFollowsAndOldIdsGetAResetFirst() throws Exception {
    for (int i = 1; i <= 8; i++) {
      publish("room-replay", "m" + i);
    }
    try (Sse s =
        new Sse(port(proxy), "chat.test", "/_tako/channels/room-replay", "Last-Event-ID: 6")) {
      assertEquals(List.of("7|m7", "8|m8"), s.events(2));
    }
    try (Sse s = new Sse(port(proxy), "chat.test", "/_tako/channels/room-replay?since=1")) {
      // Only 4..8 are kept: the id is older than the retention.
      assertEquals(List.of("tako-reset", "4|m4", "5|m5", "6|m6", "7|m7", "8|m8"), s.events(6));
      publish("room-replay", "m9");
      assertEquals(List.of("9|m9"), s.events(1));
    }
  }

  @Test
  void quietStreamsGetKeepAliveComments() throws Exception {
    try (Sse s = new Sse(port(proxy), "chat.test", "/_tako/channels/room-quiet")) {
      String line;
      do {
        line = Wire.line(s.in);
      } while (line.isEmpty());
      assertEquals(": keep-alive", line);
    }
  }

  @Test
  void subscribersTheAppAllowsAndRefuses() throws Exception {
    try (Sse s = new Sse(port(proxy), "chat.test", "/_tako/channels/private", "Cookie: ok=1")) {
      assertTrue(s.head.startsWith("HTTP/1.1 200 OK"), s.head);
      awaitSubscribers("private", 1);
      publish("private", "psst");
      assertEquals(List.of("1|psst"), s.events(1));
    }
    assertTrue(asked.contains("channel=private&op=subscribe"), asked.toString());
    assertStatus(proxy, "chat.test", "/_tako/channels/private", "", 403, "the app refused");
  }

  @Test
  void badRequestsGetTheirStatus() throws Exception {
    assertStatus(proxy, "chat.test", "/_tako/channels/no%20spaces", "", 400, "1-128 of");
    assertStatus(proxy, "chat.test", "/_tako/channels/", "", 400, "1-128 of");
    assertStatus(
        proxy, "chat.test", "/_tako/channels/" + "x".repeat(129), "", 400, "channel names");
    assertStatus(
        proxy, "closed.test", "/_tako/channels/secret", "", 403, "no [channels] authorize");
    assertStatus(proxy, "down.test", "/_tako/channels/secret", "", 503, "try again later");
    assertStatus(noHub, "chat.test", "/_tako/channels/news", "", 503, "not served");
    try (Socket s = Wire.connect(port(proxy), WAIT)) {
      Wire.send(s, "GET /_tako/channels/news HTTP/1.1\r\nHost: chat.test\r\n\r\n");
      String answer = Wire.response(s);
      assertTrue(answer.startsWith("HTTP/1.1 406 "), answer);
      Wire.send(
          s,
          "POST /_tako/channels/news HTTP/1.1\r\nHost: chat.test\r\nContent-Length: 2\r\n\r\nhi");
      answer = Wire.response(s);
      assertTrue(answer.startsWith("HTTP/1.1 405 "), answer);
      assertTrue(answer.contains("Allow: GET"), answer);
    }
  }

  @Test
  void overTheSubscriberLimitIs503() throws Exception {
    try (Sse first = new Sse(port(limited), "chat.test", "/_tako/channels/news")) {
      assertTrue(first.head.startsWith("HTTP/1.1 200 "), first.head);
      assertStatus(limited, "chat.test", "/_tako/channels/news", "", 503, "max-subscribers");
    }
    await()
        .atMost(WAIT)
        .until(() -> ProxyMetrics.get(limitedKit.system()).channels.subscribers() == 0);
    try (Sse again = new Sse(port(limited), "chat.test", "/_tako/channels/news")) {
      assertTrue(again.head.startsWith("HTTP/1.1 200 "), again.head);
    }
  }

  @Test
  void aSlowSubscriberIsDroppedWithoutHoldingUpAFastOne() throws Exception {
    String big = "x".repeat(32 * 1024);
    try (Socket slow = new Socket()) {
      slow.setReceiveBufferSize(4096);
      slow.connect(new InetSocketAddress("127.0.0.1", port(proxy)));
      Wire.send(
          slow,
          "GET /_tako/channels/room-flood HTTP/1.1\r\nHost: chat.test\r\n"
              + "Accept: text/event-stream\r\n\r\n");
      try (Sse fast = new Sse(port(proxy), "chat.test", "/_tako/channels/room-flood")) {
        awaitSubscribers("room-flood", 2);
        long dropped = ProxyMetrics.get(testKit.system()).channels.dropped();
        int sent = 0;
        while (ProxyMetrics.get(testKit.system()).channels.dropped() == dropped && sent < 4000) {
          publish("room-flood", big);
          sent++;
          assertEquals(List.of(sent + "|" + big), fast.events(1));
        }
        assertTrue(sent < 4000, "the slow subscriber was never dropped");
        awaitSubscribers("room-flood", 1);
        publish("room-flood", "after");
        assertEquals(List.of((sent + 1) + "|after"), fast.events(1));
      }
    }
  }

  // ----- WebSocket

  @Test
  void webSocketSubscribersGetJsonFramesAndMayPublishWhenTheAppSays() throws Exception {
    try (Ws writer = new Ws("/_tako/channels/room-ws", "Authorization: Bearer writer");
        Sse reader = new Sse(port(proxy), "chat.test", "/_tako/channels/room-ws")) {
      assertTrue(writer.head.startsWith("HTTP/1.1 101 "), writer.head);
      assertTrue(writer.head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
      awaitSubscribers("room-ws", 2);
      writer.send(WebSocketReaderTest.text("hello \"all\""));
      writer.send(WebSocketReaderTest.frame(0x89, "p".getBytes(), true, 0));
      List<String> frames = List.of(writer.read(), writer.read());
      assertTrue(
          frames.contains("text:{\"id\":\"1\",\"data\":\"hello \\\"all\\\"\"}"), frames.toString());
      assertTrue(frames.contains("pong:p"), frames.toString());
      assertEquals(List.of("1|hello \"all\""), reader.events(1));
      publish("room-ws", "from the app");
      assertEquals("text:{\"id\":\"2\",\"data\":\"from the app\"}", writer.read());
      writer.send(WebSocketReaderTest.frame(0x88, new byte[] {0x03, (byte) 0xE8}, true, 0));
      assertEquals("close:1000", writer.read());
    }
    assertTrue(asked.contains("channel=room-ws&op=publish"), asked.toString());
  }

  @Test
  void webSocketReplayAndRefusedPublishes() throws Exception {
    publish("room-wsreplay", "a");
    publish("room-wsreplay", "b");
    try (Ws ws = new Ws("/_tako/channels/room-wsreplay?since=1")) {
      assertEquals("text:{\"id\":\"2\",\"data\":\"b\"}", ws.read());
      ws.send(WebSocketReaderTest.text("may I?"));
      assertEquals("close:1008", ws.read());
    }
  }

  @Test
  void webSocketPublishesOnACutOffNodeAreAnsweredWithRetry() throws Exception {
    try (Ws ws = new Ws("/_tako/channels/room-cut", "Authorization: Bearer writer")) {
      hub.unavailable = true;
      try {
        ws.send(WebSocketReaderTest.text("now?"));
        String frame = ws.read();
        assertTrue(frame.contains("\"retry_after\":7"), frame);
      } finally {
        hub.unavailable = false;
      }
    }
  }

  @Test
  void hostileFramesCloseTheWebSocket() throws Exception {
    try (Ws ws = new Ws("/_tako/channels/room-hostile")) {
      ws.send(WebSocketReaderTest.frame(0x81, "x".getBytes(), false, 0));
      assertEquals("close:1002", ws.read());
    }
    try (Ws ws = new Ws("/_tako/channels/room-hostile")) {
      ws.send(new byte[] {(byte) 0x81, (byte) 0xFF, 0, 0, 0, 0, 0, 1, 0, 1, 1, 2, 3, 4});
      assertEquals("close:1009", ws.read());
    }
    try (Ws ws = new Ws("/_tako/channels/room-hostile")) {
      ws.send(WebSocketReaderTest.frame(0x09, new byte[0], true, 0));
      assertEquals("close:1002", ws.read());
    }
    assertStatus(
        proxy,
        "chat.test",
        "/_tako/channels/news",
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
        426,
        "version 13");
    assertStatus(
        proxy,
        "chat.test",
        "/_tako/channels/news",
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Key: short\r\n",
        400,
        "Sec-WebSocket-Key");
  }

  // ----- clients

  private static int port(TcpProxy.Binding binding) {
    return binding.localAddress().getPort();
  }

  private static void assertStatus(
      TcpProxy.Binding binding, String host, String path, String headers, int status, String text)
      throws IOException {
    try (Socket s = Wire.connect(port(binding), WAIT)) {
      Wire.send(
          s,
          "GET "
              + path
              + " HTTP/1.1\r\nHost: "
              + host
              + "\r\nAccept: text/event-stream\r\n"
              + headers
              + "\r\n");
      String answer = Wire.response(s);
      assertTrue(answer.startsWith("HTTP/1.1 " + status + " "), answer);
      assertTrue(answer.contains(text), answer);
    }
  }

  /** A raw SSE subscriber. */
  private static final class Sse implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final String head;

    Sse(int port, String host, String path, String... headers) throws IOException {
      socket = Wire.connect(port, WAIT);
      Wire.send(
          socket,
          "GET "
              + path
              + " HTTP/1.1\r\nHost: "
              + host
              + "\r\nAccept: text/event-stream\r\n"
              + String.join("", headers.length == 0 ? List.of() : List.of(headers[0] + "\r\n"))
              + "\r\n");
      in = new BufferedInputStream(socket.getInputStream());
      head = Wire.head(in);
    }

    /** The next {@code n} events as "id|data" (or the event name for named events). */
    List<String> events(int n) throws IOException {
      List<String> out = new ArrayList<>();
      String id = null;
      String event = null;
      StringBuilder data = null;
      while (out.size() < n) {
        String line = Wire.line(in);
        if (line.isEmpty()) {
          if (event != null) {
            out.add(event);
          } else if (data != null) {
            out.add(id + "|" + data);
          }
          id = null;
          event = null;
          data = null;
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data = data == null ? new StringBuilder() : data.append('\n');
          data.append(line.substring(6));
        }
      }
      return out;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** A raw WebSocket subscriber on chat.test. */
  private final class Ws implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final String head;

    Ws(String path, String... headers) throws IOException {
      socket = Wire.connect(port(proxy), WAIT);
      Wire.send(
          socket,
          "GET "
              + path
              + " HTTP/1.1\r\nHost: chat.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              + (headers.length == 0 ? "" : headers[0] + "\r\n")
              + "\r\n");
      in = socket.getInputStream();
      // The 101 goes out after the hub took the subscription: nothing to wait for.
      head = Wire.head(in);
    }

    void send(byte[] frame) throws IOException {
      socket.getOutputStream().write(frame);
      socket.getOutputStream().flush();
    }

    /** The next server frame but keep-alive pings: "text:…", "pong:…" or "close:CODE". */
    String read() throws IOException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      String frame;
      do {
        frame = frame();
      } while (frame.equals("ping") && System.nanoTime() < deadline);
      return frame;
    }

    private String frame() throws IOException {
      int b0 = in.read();
      int b1 = in.read();
      if (b0 < 0 || b1 < 0) {
        return "eof";
      }
      assertEquals(0, b1 & 0x80, "server frames are never masked");
      long len = b1 & 0x7F;
      if (len == 126) {
        len = (in.read() << 8) | in.read();
      } else if (len == 127) {
        len = 0;
        for (int i = 0; i < 8; i++) {
          len = (len << 8) | in.read();
        }
      }
      byte[] payload = in.readNBytes((int) len);
      return switch (b0 & 0x0F) {
        case 0x1 -> "text:" + new String(payload, StandardCharsets.UTF_8);
        case 0xA -> "pong:" + new String(payload, StandardCharsets.UTF_8);
        case 0x9 -> "ping";
        case 0x8 -> "close:" + (((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF));
        default -> "opcode:" + (b0 & 0x0F);
      };
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
