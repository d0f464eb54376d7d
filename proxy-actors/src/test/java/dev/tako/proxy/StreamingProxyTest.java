package dev.tako.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 5 items 1-2 through {@link TcpProxy} with real clients: 1 GiB each way with a flat heap
 * (sized and chunked), {@code Expect: 100-continue}, a WebSocket with the JDK client, server-sent
 * events unbuffered, and the separate idle limit of upgraded connections.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamingProxyTest {
  @JUnit5TestKit public ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private static final long GIB = 1024L * 1024 * 1024;

  /** What the heap may grow by while a gibibyte streams through (the proxy holds 32 KiB). */
  private static final long HEAP_BOUND = 64L * 1024 * 1024;

  private RawUpstream app;
  private TcpProxy.Binding binding;
  private int port;

  @BeforeAll
  void start() throws Exception {
    app = new RawUpstream();
    RouteSnapshots holder = new RouteSnapshots();
    holder.publish(
        RouteSnapshot.of(
            Map.of(
                "stream",
                new AppRoutes(List.of("stream.test", "127.0.0.1"), List.of(app.upstream())))));
    // Uploads of 1 GiB: above the default body limit of 128 MiB.
    binding =
        TcpProxy.bind(
                testKit.system(),
                "127.0.0.1",
                0,
                holder,
                ProxySettings.DEFAULTS.withMaxRequestBody(2 * GIB),
                2,
                256)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    port = binding.localAddress().getPort();
  }

  @AfterAll
  void stop() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    app.close();
  }

  // ----- heap

  /** Samples used heap every few milliseconds while a transfer runs. */
  private static final class HeapWatch implements AutoCloseable {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final long before;
    private final AtomicLong peak = new AtomicLong();
    private final ScheduledExecutorService sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "heap-watch");
              t.setDaemon(true);
              return t;
            });

    HeapWatch() {
      for (int i = 0; i < 3; i++) {
        System.gc();
      }
      before = memory.getHeapMemoryUsage().getUsed();
      peak.set(before);
      sampler.scheduleAtFixedRate(
          () -> peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max),
          0,
          5,
          TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      sampler.shutdownNow();
      sampler.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** Asserts the peak stayed within {@link #HEAP_BOUND} of the start, and reports the figures. */
    void assertFlat(String what) throws InterruptedException {
      close();
      System.gc();
      long after = memory.getHeapMemoryUsage().getUsed();
      long mib = 1024 * 1024;
      System.out.printf(
          "heap %s: before %d MiB, peak %d MiB (+%d MiB), after GC %d MiB%n",
          what, before / mib, peak.get() / mib, (peak.get() - before) / mib, after / mib);
      assertTrue(
          peak.get() - before < HEAP_BOUND,
          what + ": heap grew by " + (peak.get() - before) / mib + " MiB");
    }
  }

  @Test
  void theHeapWatchSeesWhatIsHeld() throws Exception {
    // The measurement itself can fail: 100 MiB held while it samples shows as growth.
    HeapWatch heap = new HeapWatch();
    byte[] held = new byte[100 * 1024 * 1024];
    await("the sampler sees the array")
        .atMost(Duration.ofSeconds(5))
        .until(() -> heap.peak.get() - heap.before >= 90L * 1024 * 1024);
    heap.close();
    assertTrue(heap.peak.get() - heap.before >= 90L * 1024 * 1024, "peak " + heap.peak.get());
    assertEquals(100 * 1024 * 1024, held.length);
  }

  // ----- big bodies

  private static void writeChunked(OutputStream out, long bytes) throws IOException {
    byte[] size = (Integer.toHexString(RawUpstream.BLOCK.length) + "\r\n").getBytes();
    for (long left = bytes; left > 0; left -= RawUpstream.BLOCK.length) {
      int n = (int) Math.min(RawUpstream.BLOCK.length, left);
      out.write(
          n == RawUpstream.BLOCK.length ? size : (Integer.toHexString(n) + "\r\n").getBytes());
      out.write(RawUpstream.BLOCK, 0, n);
      out.write('\r');
      out.write('\n');
    }
    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  private String upload(long bytes, boolean chunked) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(120_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /upload HTTP/1.1\r\nHost: stream.test\r\n"
                  + (chunked
                      ? "Transfer-Encoding: chunked\r\n"
                      : "Content-Length: " + bytes + "\r\n")
                  + "\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      if (chunked) {
        writeChunked(out, bytes);
      } else {
        for (long left = bytes; left > 0; left -= RawUpstream.BLOCK.length) {
          out.write(RawUpstream.BLOCK, 0, (int) Math.min(RawUpstream.BLOCK.length, left));
        }
      }
      out.flush();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      String head = RawUpstream.readHead(in);
      assertTrue(head.startsWith("HTTP/1.1 200"), head);
      int length = Integer.parseInt(RawUpstream.header(head, "content-length"));
      return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aGibibyteUploadStreamsWithAFlatHeap() throws Exception {
    long expected = RawUpstream.pattern(GIB);
    for (boolean chunked : new boolean[] {false, true}) {
      HeapWatch heap = new HeapWatch();
      String seen = upload(GIB, chunked);
      heap.assertFlat("upload of 1 GiB" + (chunked ? ", chunked" : ""));
      assertEquals(GIB + " " + expected, seen);
    }
  }

  @Test
  void aGibibyteDownloadStreamsWithAFlatHeap() throws Exception {
    long expected = RawUpstream.pattern(GIB);
    for (boolean chunked : new boolean[] {false, true}) {
      HeapWatch heap = new HeapWatch();
      CRC32 crc = new CRC32();
      long received;
      try (Socket socket = new Socket("127.0.0.1", port)) {
        socket.setSoTimeout(120_000);
        socket
            .getOutputStream()
            .write(
                ("GET /download?"
                        + GIB
                        + (chunked ? "&chunked" : "")
                        + " HTTP/1.1\r\n"
                        + "Host: stream.test\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        String head = RawUpstream.readHead(in);
        assertTrue(head.startsWith("HTTP/1.1 200"), head);
        assertEquals(
            chunked ? "chunked" : null, RawUpstream.header(head, "transfer-encoding"), head);
        received = RawUpstream.readBody(head, in, crc);
      }
      heap.assertFlat("download of 1 GiB" + (chunked ? ", chunked" : ""));
      assertEquals(GIB, received);
      assertEquals(expected, crc.getValue());
    }
  }

  // ----- 100-continue

  @Test
  void expectContinueReachesTheClientBeforeTheBodyIsSent() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      byte[] body = "the body after 100".getBytes(StandardCharsets.UTF_8);
      out.write(
          ("POST /continue HTTP/1.1\r\nHost: stream.test\r\nExpect: 100-continue\r\n"
                  + "Content-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      // No body sent yet: the interim answer must come through on its own.
      String interim = RawUpstream.readHead(in);
      assertTrue(interim.startsWith("HTTP/1.1 100"), interim);
      out.write(body);
      out.flush();
      String head = RawUpstream.readHead(in);
      assertTrue(head.startsWith("HTTP/1.1 200"), head);
      int length = Integer.parseInt(RawUpstream.header(head, "content-length"));
      assertEquals("the body after 100", new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }
  }

  // ----- server-sent events

  @Test
  void serverSentEventsArriveOneByOne() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(20_000);
      socket
          .getOutputStream()
          .write(
              "GET /sse?5 HTTP/1.1\r\nHost: stream.test\r\nAccept-Encoding: gzip\r\n\r\n"
                  .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = new BufferedInputStream(socket.getInputStream());
      String head = RawUpstream.readHead(in);
      assertTrue(head.startsWith("HTTP/1.1 200"), head);
      assertEquals(null, RawUpstream.header(head, "content-encoding"));
      for (int i = 0; i < 5; i++) {
        // The app sends event i+1 only after this one arrived (else it sends "late").
        String size = readLine(in);
        byte[] event = in.readNBytes(Integer.parseInt(size, 16));
        readLine(in);
        assertEquals("data: event " + i + "\n\n", new String(event, StandardCharsets.UTF_8));
        app.nextEvent.release();
      }
      assertEquals("0", readLine(in));
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  // ----- WebSocket

  /** Collects what a WebSocket receives, whole messages in order. */
  private static final class Received implements WebSocket.Listener {
    final LinkedBlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    private StringBuilder text = new StringBuilder();
    private java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        messages.add(text.toString());
        text = new StringBuilder();
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      binary.writeBytes(bytes);
      if (last) {
        messages.add(binary.toByteArray());
        binary = new java.io.ByteArrayOutputStream();
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
      closed.complete("close " + status);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.complete("error " + error);
    }

    Object next() throws InterruptedException {
      Object message = messages.poll(20, TimeUnit.SECONDS);
      if (message == null) {
        throw new AssertionError("no WebSocket message within 20 s");
      }
      return message;
    }
  }

  private static WebSocket connect(int proxyPort, Received listener) throws Exception {
    return HttpClient.newHttpClient()
        .newWebSocketBuilder()
        .connectTimeout(Duration.ofSeconds(10))
        .buildAsync(URI.create("ws://127.0.0.1:" + proxyPort + "/ws"), listener)
        .get(20, TimeUnit.SECONDS);
  }

  @Test
  void aWebSocketIsProxiedBothWays() throws Exception {
    Received received = new Received();
    WebSocket ws = connect(port, received);
    ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
    assertEquals("hello", received.next());
    ws.sendText("in two ", false).get(10, TimeUnit.SECONDS);
    ws.sendText("fragments", true).get(10, TimeUnit.SECONDS);
    assertEquals("in two fragments", received.next());
    byte[] big = new byte[3 * 1024 * 1024];
    new Random(11).nextBytes(big);
    ws.sendBinary(ByteBuffer.wrap(big), true).get(20, TimeUnit.SECONDS);
    org.junit.jupiter.api.Assertions.assertArrayEquals(big, (byte[]) received.next());
    for (int i = 0; i < 100; i++) {
      ws.sendText("message " + i, true).get(10, TimeUnit.SECONDS);
      assertEquals("message " + i, received.next());
    }
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
    assertEquals("close 1000", received.closed.get(10, TimeUnit.SECONDS));
  }

  @Test
  void upgradedConnectionsHaveTheirOwnIdleLimit() throws Exception {
    RouteSnapshots holder = new RouteSnapshots();
    holder.publish(
        RouteSnapshot.of(
            Map.of("stream", new AppRoutes(List.of("127.0.0.1"), List.of(app.upstream())))));
    // Visitors idle for 2 s are closed, but a WebSocket lives on; in the second proxy an idle
    // WebSocket is closed after 1 s.
    ProxySettings shortIdle =
        new ProxySettings(
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            1024,
            Duration.ofMillis(2500),
            Duration.ofSeconds(2),
            Duration.ofHours(1),
            2048,
            Duration.ofSeconds(30),
            Duration.ofSeconds(10),
            HeadLimits.DEFAULTS);
    TcpProxy.Binding patient =
        TcpProxy.bind(testKit.system(), "127.0.0.1", 0, holder, shortIdle, 1, 16)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    TcpProxy.Binding strict =
        TcpProxy.bind(
                testKit.system(),
                "127.0.0.1",
                0,
                holder,
                shortIdle.withUpgradedIdleTimeout(Duration.ofSeconds(1)),
                1,
                16)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    try {
      Received lasting = new Received();
      WebSocket ws = connect(patient.localAddress().getPort(), lasting);
      Received cut = new Received();
      connect(strict.localAddress().getPort(), cut);
      long start = System.nanoTime();
      String how = cut.closed.get(10, TimeUnit.SECONDS);
      long after = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(after >= 700 && after < 5000, "closed after " + after + " ms: " + how);
      // Idle for 3.5 s, longer than the visitor idle timeout: still open both ways.
      assertThrows(
          TimeoutException.class,
          () -> lasting.closed.get(3500 - after, TimeUnit.MILLISECONDS),
          lasting.closed::toString);
      ws.sendText("still here", true).get(10, TimeUnit.SECONDS);
      assertEquals("still here", lasting.next());
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
    } finally {
      patient.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
      strict.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
