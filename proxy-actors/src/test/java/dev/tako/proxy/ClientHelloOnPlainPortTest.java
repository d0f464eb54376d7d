package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A TLS ClientHello (or any byte that cannot start a request line) on the plain HTTP port is
 * answered 400 at once and the connection closed, instead of waiting for a head that never ends.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientHelloOnPlainPortTest {
  /** Far below the header timeout (30 s, the default here): an answer within this is at once. */
  private static final Duration DEADLINE = Duration.ofSeconds(8);

  private ProxyUnderTest proxy;

  @BeforeAll
  void start() throws Exception {
    proxy = new ProxyUnderTest(ProxySettings.DEFAULTS, ProxyListener.PLAIN);
  }

  @AfterAll
  void stop() throws Exception {
    proxy.close();
  }

  @Test
  void theStartOfAClientHelloGets400AndClose() throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      // Record header (handshake, TLS 1.0 record version, length 0x00a5), then ClientHello type.
      socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00});
      socket.getOutputStream().flush();
      String got = Wire.untilClosed(socket);
      assertTrue(got.startsWith("HTTP/1.1 400 "), got);
      assertTrue(got.contains("Connection: close\r\n"), got);
    }
    assertTrue(
        proxy.app.seen.stream().noneMatch(s -> s.requestLine().indexOf(0x16) >= 0),
        () -> "the app saw " + proxy.app.seen);
  }

  @Test
  void aRealTlsClientFailsAtOnceInsteadOfWaiting() throws Exception {
    try (SSLSocket socket =
        (SSLSocket)
            SSLContext.getDefault().getSocketFactory().createSocket("127.0.0.1", proxy.port())) {
      socket.setSoTimeout((int) DEADLINE.toMillis());
      IOException failure = assertThrows(IOException.class, socket::startHandshake);
      assertFalse(failure instanceof SocketTimeoutException, failure::toString);
    }
  }

  @Test
  void aControlByteBeforeTheRequestLineGets400() throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      Wire.send(socket, "\0GET / HTTP/1.1\r\nHost: app.test\r\n\r\n");
      String got = Wire.untilClosed(socket);
      assertTrue(got.startsWith("HTTP/1.1 400 "), got);
    }
  }

  @Test
  void leadingEmptyLinesStillWork() throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      Wire.send(socket, "\r\nGET / HTTP/1.1\r\nHost: app.test\r\n\r\n");
      String got = Wire.response(socket);
      assertInstanceOf(String.class, got);
      assertFalse(got.startsWith("HTTP/1.1 400 "), got);
    }
  }
}
