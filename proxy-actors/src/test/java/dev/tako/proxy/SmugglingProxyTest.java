package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 12's smuggling cases end to end: each hostile request goes through {@link TcpProxy} to a
 * {@link LenientFramingUpstream} that reports what it parsed, over one pooled upstream connection,
 * and a second visitor's request follows on it. No case may make the app read a request the proxy
 * did not frame ({@code /smuggled}) or answer the second visitor with anything but its own answer;
 * refused heads get the parser's status and a closed connection.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SmugglingProxyTest {
  @JUnit5TestKit public ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n";
  private static final String POST = "POST / HTTP/1.1\r\nHost: app.test\r\n";

  private LenientFramingUpstream app;
  private TcpProxy.Binding binding;
  private int port;

  /** One answer read from the proxy. */
  private record Answer(int status, Map<String, String> headers, String body) {}

  @BeforeAll
  void start() throws Exception {
    app = new LenientFramingUpstream();
    RouteSnapshots holder = new RouteSnapshots();
    holder.publish(
        RouteSnapshot.of(
            Map.of("app", new AppRoutes(List.of("app.test"), List.of(app.upstream())))));
    // One loop and one upstream connection: the next visitor's request reuses the same one.
    binding =
        TcpProxy.bind(testKit.system(), "127.0.0.1", 0, holder, ProxySettings.DEFAULTS, 1, 1)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    port = binding.localAddress().getPort();
  }

  @AfterAll
  void stop() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    app.close();
  }

  @BeforeEach
  void forget() {
    app.seen.clear();
  }

  // ----- forwarded, framed by the proxy

  @Test
  void connectionContentLength() throws Exception {
    forwardedOnce(
        POST
            + "Connection: content-length\r\nContent-Length: "
            + SMUGGLED.length()
            + "\r\n\r\n"
            + SMUGGLED,
        SMUGGLED);
  }

  @Test
  void connectionTransferEncoding() throws Exception {
    String chunk = Integer.toHexString(SMUGGLED.length()) + "\r\n" + SMUGGLED + "\r\n0\r\n\r\n";
    forwardedOnce(
        POST + "Connection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk,
        SMUGGLED);
  }

  @Test
  void underscoreAliasesOfFramingHeadersAreDropped() throws Exception {
    String chunk = Integer.toHexString(SMUGGLED.length()) + "\r\n" + SMUGGLED + "\r\n0\r\n\r\n";
    forwardedOnce(
        POST
            + "Transfer_Encoding: chunked\r\nContent-Length: "
            + chunk.length()
            + "\r\n\r\n"
            + chunk,
        chunk);
    // Read as the app's first Content-Length, the alias would make it take the next visitor's
    // request on the pooled connection as this one's body.
    forwardedOnce(POST + "Content_Length: 50\r\nContent-Length: 0\r\n\r\n", "");
  }

  // ----- refused by the parser

  @Test
  void xchunked() throws Exception {
    refused(501, POST + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + SMUGGLED);
  }

  @Test
  void spaceBeforeTheColonOfTransferEncoding() throws Exception {
    refused(
        400, POST + "Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + SMUGGLED);
  }

  @Test
  void spaceBeforeTheColonOfContentLength() throws Exception {
    refused(400, POST + "Content-Length : " + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED);
  }

  @Test
  void twoTransferEncodings() throws Exception {
    refused(
        400,
        POST
            + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n"
            + SMUGGLED);
  }

  @Test
  void contentLengthAndTransferEncoding() throws Exception {
    refused(
        400, POST + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED);
  }

  @Test
  void twoHosts() throws Exception {
    refused(400, "GET / HTTP/1.1\r\nHost: app.test\r\nHost: admin.test\r\n\r\n");
  }

  @Test
  void nulCrAndControlBytes() throws Exception {
    refused(400, POST + "X-A: a\0b\r\nContent-Length: 0\r\n\r\n");
    refused(400, POST + "X-A: a\rTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED);
    refused(400, "G\u0001T / HTTP/1.1\r\nHost: app.test\r\n\r\n");
    refused(400, "GET /a\rb HTTP/1.1\r\nHost: app.test\r\n\r\n");
    refused(400, "GET /a\u0000b HTTP/1.1\r\nHost: app.test\r\n\r\n");
  }

  @Test
  void controlBytesInChunkExtensions() throws Exception {
    refusedBody(POST + "Transfer-Encoding: chunked\r\n\r\n5;a\0\r\nhello\r\n0\r\n\r\n" + SMUGGLED);
  }

  @Test
  void bareLfChunks() throws Exception {
    refusedBody(POST + "Transfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n" + SMUGGLED);
  }

  @Test
  void requestLineAsTrailer() throws Exception {
    refusedBody(POST + "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n" + SMUGGLED);
  }

  @Test
  void lowercaseMethods() throws Exception {
    refused(400, "get / HTTP/1.1\r\nHost: app.test\r\n\r\n");
    refused(400, "head / HTTP/1.1\r\nHost: app.test\r\n\r\n");
  }

  @Test
  void underscoreAliasAsTrailer() throws Exception {
    refusedBody(POST + "Transfer-Encoding: chunked\r\n\r\n0\r\nContent_Length: 5\r\n\r\n");
  }

  @Test
  void versions() throws Exception {
    refused(400, "GET / HTTP/1.x\r\nHost: app.test\r\n\r\n");
    refused(505, "GET / HTTP/2.0\r\nHost: app.test\r\n\r\n");
  }

  @Test
  void transferEncodingInHttp10() throws Exception {
    refused(
        400,
        "POST / HTTP/1.0\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            + SMUGGLED);
  }

  @Test
  void obsFold() throws Exception {
    refused(400, POST + "X-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED);
  }

  // ----- limits (nginx's: 8 KiB request line, 8 KiB per header line, 32 KiB in all)

  @Test
  void bigCookiesPass() throws Exception {
    StringBuilder cookies = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      cookies.append("Cookie: c").append(i).append('=').append("v".repeat(8000)).append("\r\n");
    }
    List<Answer> answers = send("GET /big HTTP/1.1\r\nHost: app.test\r\n" + cookies + "\r\n");
    assertEquals(1, answers.size(), answers.toString());
    assertEquals("seen /big", answers.get(0).body());
    app.seen.clear();
  }

  @Test
  void limitsAnswer414And431() throws Exception {
    refused(414, "GET /" + "x".repeat(8200) + " HTTP/1.1\r\nHost: app.test\r\n\r\n");
    refused(431, POST + "Cookie: " + "v".repeat(8200) + "\r\n\r\n");
    refused(431, POST + ("Cookie: " + "v".repeat(8000) + "\r\n").repeat(5) + "\r\n");
  }

  // ----- helpers

  /** The app reads exactly one request with {@code body}, and the next visitor its own answer. */
  private void forwardedOnce(String raw, String body) throws Exception {
    List<Answer> answers = send(raw);
    assertEquals(1, answers.size(), () -> answers + " app saw " + app.seen);
    assertEquals(200, answers.get(0).status());
    assertEquals("seen /", answers.get(0).body());
    LenientFramingUpstream.Seen seen = app.seen.poll(5, TimeUnit.SECONDS);
    assertEquals("/", seen.target());
    assertEquals(body, seen.body());
    assertEquals(List.of("app.test"), seen.hosts());
    nextVisitorIsServed();
  }

  /** The proxy answers {@code status} itself, closes, and the app reads nothing of it. */
  private void refused(int status, String raw) throws Exception {
    List<Answer> answers = send(raw);
    assertEquals(1, answers.size(), answers.toString());
    assertEquals(status, answers.get(0).status(), answers.toString());
    assertEquals("close", answers.get(0).headers().get("connection"));
    assertTrue(app.seen.isEmpty(), app.seen.toString());
    nextVisitorIsServed();
  }

  /** A head the proxy forwarded, then a body it cannot frame: 400 and both connections closed. */
  private void refusedBody(String raw) throws Exception {
    List<Answer> answers = send(raw);
    assertEquals(1, answers.size(), answers.toString());
    assertEquals(400, answers.get(0).status(), answers.toString());
    nextVisitorIsServed();
  }

  private void nextVisitorIsServed() throws Exception {
    List<Answer> next = send("GET /next HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n");
    assertEquals(1, next.size(), next.toString());
    assertEquals("seen /next", next.get(0).body());
    List<String> targets = new ArrayList<>();
    for (LenientFramingUpstream.Seen s : app.seen) {
      targets.add(s.target());
    }
    assertFalse(targets.contains("/smuggled"), targets.toString());
    assertEquals("/next", targets.get(targets.size() - 1), targets.toString());
    app.seen.clear();
  }

  /** Sends {@code raw} on a new connection and reads the one answer to it. */
  private List<Answer> send(String raw) throws IOException {
    List<Answer> answers = new ArrayList<>();
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = new BufferedInputStream(socket.getInputStream());
      try {
        for (Answer a = read(in); a != null; a = read(in)) {
          answers.add(a);
          // One request sent: a second answer would be to a request the proxy did not frame.
          socket.setSoTimeout(300);
        }
      } catch (SocketTimeoutException e) {
        // kept alive: all answers are in
      }
    }
    return answers;
  }

  private static Answer read(InputStream in) throws IOException {
    String status = line(in);
    if (status == null) {
      return null;
    }
    Map<String, String> headers = new java.util.HashMap<>();
    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      headers.put(h.substring(0, colon).toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    String body = new String(in.readNBytes(length), StandardCharsets.ISO_8859_1).trim();
    return new Answer(Integer.parseInt(status.split(" ")[1]), headers, body);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b >= 0; b = in.read()) {
      if (b == '\n') {
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
    }
    return null;
  }
}
