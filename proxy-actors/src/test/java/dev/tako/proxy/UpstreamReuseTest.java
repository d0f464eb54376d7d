package dev.tako.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An upstream connection goes back to the pool only after a response the proxy framed completely (a
 * known length read to its end, or chunked to its last chunk) with nothing after it; a response
 * that ends early, carries extra bytes or has no framing closes the upstream connection, and the
 * next request goes to a new one.
 */
class UpstreamReuseTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private ProxyUnderTest proxy;

  @BeforeEach
  void start() throws Exception {
    proxy =
        new ProxyUnderTest(
            ProxySettings.DEFAULTS,
            ProxyListener.PLAIN,
            Map.of(
                "/short",
                new LenientUpstream.Answer(
                    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", true),
                "/extra",
                LenientUpstream.Answer.of(
                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil"),
                "/unframed",
                new LenientUpstream.Answer("HTTP/1.1 200 OK\r\n\r\nuntil close", true),
                "/smuggled",
                LenientUpstream.Answer.of(""), // read, never answered: nothing shows it
                "/chunked",
                LenientUpstream.Answer.of(
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")));
  }

  @AfterEach
  void stop() throws Exception {
    proxy.close();
  }

  private static String get(Socket socket, String path) throws Exception {
    Wire.send(socket, "GET " + path + " HTTP/1.1\r\nHost: app.test\r\n\r\n");
    return Wire.response(socket);
  }

  /** A fresh visitor's request: must be answered "ok" by a new upstream connection (the 2nd). */
  private void nextRequestGoesToANewConnection() throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      String next = get(socket, "/next");
      assertTrue(next.startsWith("HTTP/1.1 200 ") && next.endsWith("\r\n\r\nok"), next);
    }
    assertEquals(List.of("GET /next HTTP/1.1"), proxy.app.on(2));
  }

  @Test
  void completeResponsesArePooled() throws Exception {
    // One visitor connection: it stays on one event loop, whose pool the upstream connection is in.
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      assertTrue(get(socket, "/first").endsWith("\r\n\r\nok"));
      String chunked = get(socket, "/chunked");
      assertTrue(chunked.endsWith("\r\n2\r\nok\r\n0\r\n\r\n"), chunked);
      assertTrue(get(socket, "/again").endsWith("\r\n\r\nok"));
    }
    assertEquals(
        List.of("GET /first HTTP/1.1", "GET /chunked HTTP/1.1", "GET /again HTTP/1.1"),
        proxy.app.on(1));
    assertEquals(1, proxy.app.connections.get());
  }

  @Test
  void aResponseEndingEarlyClosesBothConnections() throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      Wire.send(socket, "GET /short HTTP/1.1\r\nHost: app.test\r\n\r\n");
      String cut = Wire.untilClosed(socket);
      assertTrue(cut.startsWith("HTTP/1.1 200 ") && cut.endsWith("hello"), cut);
    }
    await().atMost(DEADLINE).until(() -> proxy.app.closedByProxy.contains(1));
    nextRequestGoesToANewConnection();
  }

  @Test
  void bytesAfterAResponseCloseTheUpstreamConnection() throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      String first = get(socket, "/extra");
      assertTrue(first.startsWith("HTTP/1.1 200 ") && first.endsWith("\r\n\r\nok"), first);
    }
    await().atMost(DEADLINE).until(() -> proxy.app.closedByProxy.contains(1));
    assertEquals(List.of("GET /extra HTTP/1.1"), proxy.app.on(1));
    nextRequestGoesToANewConnection();
  }

  @Test
  void anAnswerBeforeTheRequestBodyEndedClosesTheUpstreamConnection() throws Exception {
    // The lenient app answers at the head and reads the body as its next request (and answers it
    // nothing): the connection must not go back to the pool, where the next request would be read
    // behind the smuggled one.
    String smuggled = "GET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n";
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      Wire.send(
          socket,
          "POST /early HTTP/1.1\r\nHost: app.test\r\nContent-Length: "
              + smuggled.length()
              + "\r\n\r\n");
      String early = Wire.response(socket);
      assertTrue(early.startsWith("HTTP/1.1 200 ") && early.endsWith("\r\n\r\nok"), early);
      Wire.send(socket, smuggled);
      await().atMost(DEADLINE).until(() -> proxy.app.closedByProxy.contains(1));
      String next = get(socket, "/next");
      assertTrue(next.startsWith("HTTP/1.1 200 ") && next.endsWith("\r\n\r\nok"), next);
    }
    assertEquals(List.of("GET /next HTTP/1.1"), proxy.app.on(2));
  }

  @Test
  void anUnframedResponseEndsWithTheConnection() throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      Wire.send(socket, "GET /unframed HTTP/1.1\r\nHost: app.test\r\n\r\n");
      String got = Wire.untilClosed(socket);
      assertTrue(got.startsWith("HTTP/1.1 200 ") && got.endsWith("until close"), got);
    }
    await().atMost(DEADLINE).until(() -> proxy.app.closedByProxy.contains(1));
    nextRequestGoesToANewConnection();
  }
}
