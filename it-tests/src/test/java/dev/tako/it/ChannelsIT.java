package dev.tako.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Channels (SPEC §13) on one three-region playground (la, nyc, fra) with examples/channels-chat
 * deployed: SSE and WebSocket subscribers on every region's proxy see the messages the app
 * publishes from every region once each, in one identical order; a subscriber that reconnects with
 * Last-Event-ID (or ?since=) gets exactly what it missed; the app's authorize path decides about a
 * private channel; a region cut off refuses publishes (503, Retry-After) while the others go on,
 * and its subscribers catch up in order after the heal; history survives a node restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChannelsIT {
  static final List<String> REGIONS = List.of("la", "nyc", "fra");
  static final String HOST = "chat.localhost";
  static final Duration WAIT = Duration.ofSeconds(30);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir static Path tmp;
  LocalPlayground playground;
  TakoCli tako;

  @BeforeAll
  void up() throws Exception {
    playground = LocalPlayground.up(tmp, REGIONS);
    tako = playground.tako;
    Path app = Files.createDirectories(tmp.resolve("chat"));
    Path example = Path.of("..", "examples", "channels-chat");
    try (Stream<Path> files = Files.list(example)) {
      for (Path f : files.toList()) {
        Files.copy(f, app.resolve(f.getFileName().toString()));
      }
    }
    TakoCli.Result deploy = tako.run(app, Duration.ofMinutes(3), "deploy", "--json");
    assertEquals(0, deploy.exit(), deploy::toString);
    for (String s : REGIONS) {
      Http.await(port(s), HOST, "/", r -> r.body().startsWith("chat on " + s), WAIT);
    }
  }

  @AfterAll
  void down() throws Exception {
    if (playground != null) {
      tako.run(tmp, "playground", "heal");
      playground.down();
    }
  }

  int port(String region) {
    return playground.proxyPorts.get(region);
  }

  /** POST /say/NAME on a region's app, which publishes through its node's TAKO_CHANNELS_URL. */
  HttpResponse<String> say(String region, String channel, String message) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(region) + "/say/" + channel))
            .header("Host", HOST)
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(message))
            .build();
    return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
  }

  void sayOk(String region, String channel, String message) throws Exception {
    HttpResponse<String> r = say(region, channel, message);
    assertEquals(200, r.statusCode(), () -> region + ": " + r.body());
    assertTrue(r.body().contains("\"id\""), r.body());
  }

  @Test
  @Order(1)
  void everySubscriberOnEveryRegionSeesEveryMessageOnceInOneOrder() throws Exception {
    List<Subscriber> subscribers = new ArrayList<>();
    try {
      for (String s : REGIONS) {
        subscribers.add(Subscriber.sse(port(s), "/_tako/channels/room-order", null));
        subscribers.add(Subscriber.webSocket(port(s), "/_tako/channels/room-order"));
      }
      // Publishes from all three regions at once, ten each.
      ExecutorService pool = Executors.newFixedThreadPool(REGIONS.size());
      try {
        List<Future<Object>> done = new ArrayList<>();
        for (String s : REGIONS) {
          done.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < 10; i++) {
                      sayOk(s, "room-order", s + "-" + i);
                    }
                    return null;
                  }));
        }
        for (Future<Object> f : done) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      List<String> first = subscribers.get(0).next(30);
      assertEquals(30, new HashSet<>(first).size(), first::toString);
      for (String s : REGIONS) {
        for (int i = 0; i < 10; i++) {
          String message = s + "-" + i;
          assertTrue(first.stream().anyMatch(e -> e.endsWith("|" + message)), message);
        }
      }
      for (Subscriber sub : subscribers.subList(1, subscribers.size())) {
        assertEquals(first, sub.next(30), sub.toString());
      }
      System.out.println("ChannelsIT: one order on 6 subscribers: " + first);
    } finally {
      for (Subscriber sub : subscribers) {
        sub.close();
      }
    }
  }

  @Test
  @Order(2)
  void aReconnectingSubscriberGetsWhatItMissed() throws Exception {
    String lastSeen;
    try (Subscriber nyc = Subscriber.sse(port("nyc"), "/_tako/channels/room-replay", null)) {
      for (int i = 0; i < 3; i++) {
        sayOk("la", "room-replay", "before-" + i);
      }
      List<String> seen = nyc.next(3);
      lastSeen = seen.get(2).substring(0, seen.get(2).indexOf('|'));
    }
    for (int i = 0; i < 3; i++) {
      sayOk("fra", "room-replay", "after-" + i);
    }
    try (Subscriber again = Subscriber.sse(port("nyc"), "/_tako/channels/room-replay", lastSeen)) {
      assertEquals(
          List.of("after-0", "after-1", "after-2"), data(again.next(3)), "after " + lastSeen);
    }
    try (Subscriber ws =
        Subscriber.webSocket(port("la"), "/_tako/channels/room-replay?since=" + lastSeen)) {
      assertEquals(List.of("after-0", "after-1", "after-2"), data(ws.next(3)));
    }
  }

  @Test
  @Order(3)
  void theAppDecidesAboutPrivateChannels() throws Exception {
    assertEquals(403, Subscriber.status(port("la"), "/_tako/channels/private", ""));
    assertEquals(400, Subscriber.status(port("la"), "/_tako/channels/bad%20name", ""));
    try (Subscriber member =
        Subscriber.open(port("fra"), "/_tako/channels/private", "Cookie: member=1\r\n")) {
      sayOk("nyc", "private", "members only");
      assertEquals(List.of("members only"), data(member.next(1)));
    }
  }

  @Test
  @Order(4)
  void aRegionCutOffRefusesPublishesAndCatchesUpAfterTheHeal() throws Exception {
    List<String> refusedOnFra = new ArrayList<>();
    try (Subscriber fra = Subscriber.sse(port("fra"), "/_tako/channels/room-split", null);
        Subscriber la = Subscriber.sse(port("la"), "/_tako/channels/room-split", null)) {
      sayOk("la", "room-split", "whole");
      assertEquals(List.of("whole"), data(fra.next(1)));
      assertEquals(List.of("whole"), data(la.next(1)));
      assertEquals(0, tako.run(tmp, "playground", "partition", "fra").exit());
      try {
        List<String> answered503 = new ArrayList<>();
        int[] attempt = {0};
        HttpResponse<String> refused =
            await("fra refusing publishes")
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(500))
                .until(
                    () -> {
                      String message = "from fra " + attempt[0]++;
                      HttpResponse<String> r = say("fra", "room-split", message);
                      if (r.statusCode() == 503) {
                        answered503.add(message);
                      }
                      return r;
                    },
                    r -> r.statusCode() == 503);
        assertTrue(refused.headers().firstValue("retry-after").isPresent(), refused::toString);
        refusedOnFra.addAll(answered503);
        // la and nyc keep the order between them.
        await("la publishing without fra")
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(500))
            .until(() -> say("la", "room-split", "during").statusCode() == 200);
      } finally {
        assertEquals(0, tako.run(tmp, "playground", "heal").exit());
      }
      sayOk("nyc", "room-split", "healed");
      List<String> onLa = data(la.nextUntil("healed"));
      List<String> onFra = data(fra.nextUntil("healed"));
      assertEquals(onLa, onFra);
      assertTrue(onLa.contains("during"), onLa::toString);
      // A publish fra answered 503 for is never published, not even once the heal delivers
      // the forward the network held (the owner refuses a forward whose sender gave up).
      List<String> refusedButDelivered = refusedOnFra.stream().filter(onLa::contains).toList();
      assertEquals(List.of(), refusedButDelivered, () -> "after the heal la and fra saw " + onLa);
    }
  }

  @Test
  @Order(5)
  void historySurvivesANodeRestart() throws Exception {
    String firstId;
    try (Subscriber s = Subscriber.sse(port("nyc"), "/_tako/channels/room-restart", null)) {
      sayOk("la", "room-restart", "kept-1");
      sayOk("la", "room-restart", "kept-2");
      List<String> events = s.next(2);
      firstId = events.get(0).substring(0, events.get(0).indexOf('|'));
    }
    ProcessHandle nyc = ProcessHandle.of(playground.nodePids.get("nyc")).orElseThrow();
    nyc.destroyForcibly(); // kill -9 of this one pid
    nyc.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
    TakoCli.Result start = tako.run(tmp, "playground", "start", "nyc");
    assertEquals(0, start.exit(), start::toString);
    playground.nodePids.put("nyc", playground.lsEntry("nyc").get("pid").asLong());
    List<String> replayed =
        await("nyc serving channels again")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofSeconds(1))
            .until(
                () -> {
                  try (Subscriber s =
                      Subscriber.sse(port("nyc"), "/_tako/channels/room-restart", firstId)) {
                    return data(s.next(1));
                  } catch (IOException | AssertionError e) {
                    return List.<String>of();
                  }
                },
                l -> l.equals(List.of("kept-2")));
    assertEquals(List.of("kept-2"), replayed);
  }

  static List<String> data(List<String> events) {
    return events.stream().map(e -> e.substring(e.indexOf('|') + 1)).toList();
  }

  /** One visitor's stream, SSE or WebSocket, read as "id|data" events. */
  static final class Subscriber implements AutoCloseable {
    private static final Pattern FRAME = Pattern.compile("\\{\"id\":\"(.*?)\",\"data\":\"(.*)\"}");
    final Socket socket;
    final InputStream in;
    final boolean webSocket;
    final String path;

    private Subscriber(Socket socket, boolean webSocket, String path) throws IOException {
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream());
      this.webSocket = webSocket;
      this.path = path;
    }

    static Subscriber sse(int port, String path, String lastEventId) throws IOException {
      return open(port, path, lastEventId == null ? "" : "Last-Event-ID: " + lastEventId + "\r\n");
    }

    static Subscriber open(int port, String path, String headers) throws IOException {
      Subscriber s = connect(port, path, "Accept: text/event-stream\r\n" + headers, false);
      String head = s.head();
      assertTrue(head.startsWith("HTTP/1.1 200 "), head);
      return s;
    }

    static Subscriber webSocket(int port, String path) throws IOException {
      byte[] key = new byte[16];
      new SecureRandom().nextBytes(key);
      Subscriber s =
          connect(
              port,
              path,
              "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                  + "Sec-WebSocket-Key: "
                  + Base64.getEncoder().encodeToString(key)
                  + "\r\n",
              true);
      String head = s.head();
      assertTrue(head.startsWith("HTTP/1.1 101 "), head);
      return s;
    }

    static int status(int port, String path, String headers) throws IOException {
      try (Subscriber s = connect(port, path, "Accept: text/event-stream\r\n" + headers, false)) {
        String head = s.head();
        return Integer.parseInt(head.substring(9, 12));
      }
    }

    private static Subscriber connect(int port, String path, String headers, boolean ws)
        throws IOException {
      Socket socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout((int) WAIT.toMillis());
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: " + HOST + "\r\n" + headers + "\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      return new Subscriber(socket, ws, path);
    }

    private String head() throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int tail = 0;
      while (tail != 0x0d0a0d0a) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("end of stream in the head: " + out);
        }
        out.write(b);
        tail = (tail << 8) | b;
      }
      return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** The next {@code n} messages as "id|data". */
    List<String> next(int n) throws IOException {
      List<String> out = new ArrayList<>();
      while (out.size() < n) {
        String e = webSocket ? frame() : event();
        if (e != null) {
          out.add(e);
        }
      }
      return out;
    }

    /** Messages up to and with the one whose data is {@code last}. */
    List<String> nextUntil(String last) throws IOException {
      List<String> out = new ArrayList<>();
      do {
        out.addAll(next(1));
      } while (!out.get(out.size() - 1).endsWith("|" + last));
      return out;
    }

    private String event() throws IOException {
      String id = null;
      StringBuilder data = null;
      for (; ; ) {
        String line = line();
        if (line.isEmpty()) {
          if (data != null) {
            return id + "|" + data;
          }
          id = null;
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          data = data == null ? new StringBuilder() : data.append('\n');
          data.append(line.substring(6));
        } else if (line.startsWith("event: tako-reset")) {
          throw new AssertionError("unexpected reset on " + path);
        }
      }
    }

    private String line() throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new IOException("end of stream on " + path);
        }
        out.write(b);
      }
      return out.toString(StandardCharsets.UTF_8);
    }

    /** A text frame's message, or null for a ping. */
    private String frame() throws IOException {
      int b0 = in.read();
      int b1 = in.read();
      if (b0 < 0 || b1 < 0) {
        throw new IOException("end of stream on " + path);
      }
      long len = b1 & 0x7F;
      if (len == 126) {
        len = (in.read() << 8) | in.read();
      } else if (len == 127) {
        len = 0;
        for (int i = 0; i < 8; i++) {
          len = (len << 8) | in.read();
        }
      }
      String payload = new String(in.readNBytes((int) len), StandardCharsets.UTF_8);
      if ((b0 & 0x0F) != 0x1) {
        return null;
      }
      Matcher m = FRAME.matcher(payload);
      assertTrue(m.matches(), payload);
      return m.group(1) + "|" + m.group(2);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }

    @Override
    public String toString() {
      return (webSocket ? "WebSocket " : "SSE ") + socket.getPort() + path;
    }
  }
}
