package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code tako.proxy.header-timeout}: a request head must arrive within it, the first counted from
 * the accept and each next one on a keep-alive connection from its first byte; a visitor sending a
 * byte at a time (slow loris) gets 408 and is closed long before the idle timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeaderTimeoutTest {
  private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(1);

  /** Far below the idle timeout (75 s): a close within this is the header timeout's. */
  private static final Duration DEADLINE = Duration.ofSeconds(8);

  private ProxyUnderTest proxy;

  @BeforeAll
  void start() throws Exception {
    proxy =
        new ProxyUnderTest(
            ProxySettings.DEFAULTS.withHeaderTimeout(HEADER_TIMEOUT), ProxyListener.PLAIN);
  }

  @AfterAll
  void stop() throws Exception {
    proxy.close();
  }

  /** Sends {@code raw} one byte every 100 ms on its own thread, until done or the socket fails. */
  private static Thread trickle(Socket socket, String raw) {
    Thread t =
        new Thread(
            () -> {
              try {
                for (char c : raw.toCharArray()) {
                  Wire.send(socket, String.valueOf(c));
                  Thread.sleep(100);
                }
              } catch (IOException | InterruptedException e) {
                // closed by the proxy: what the test waits for
              }
            });
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static String slowHead() {
    return "GET / HTTP/1.1\r\nHost: app.test\r\nX-Slow: " + "a".repeat(200) + "\r\n\r\n";
  }

  @Test
  void aSlowFirstHeadGets408AndIsClosed() throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      Thread writer = trickle(socket, slowHead());
      String got = Wire.untilClosed(socket);
      assertTrue(got.startsWith("HTTP/1.1 408 "), got);
      assertTrue(got.contains("Connection: close\r\n"), got);
      writer.interrupt();
    }
  }

  @Test
  void aSilentNewConnectionGets408() throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      String got = Wire.untilClosed(socket);
      assertTrue(got.startsWith("HTTP/1.1 408 "), got);
    }
  }

  @Test
  void aSlowNextHeadOnAKeepAliveConnectionGets408() throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      Wire.send(socket, "GET /first HTTP/1.1\r\nHost: app.test\r\n\r\n");
      String first = Wire.response(socket);
      assertTrue(first.startsWith("HTTP/1.1 200 ") && first.endsWith("ok"), first);
      Thread writer = trickle(socket, slowHead());
      String got = Wire.untilClosed(socket);
      assertTrue(got.startsWith("HTTP/1.1 408 "), got);
      writer.interrupt();
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsNotTimedOutBeforeItsNextHeadStarts() throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      Wire.send(socket, "GET /first HTTP/1.1\r\nHost: app.test\r\n\r\n");
      assertTrue(Wire.response(socket).startsWith("HTTP/1.1 200 "));
      // Quiet for longer than the header timeout (the idle timeout is far longer).
      Thread.sleep(HEADER_TIMEOUT.toMillis() + 700);
      Wire.send(socket, "GET /second HTTP/1.1\r\nHost: app.test\r\n\r\n");
      String second = Wire.response(socket);
      assertTrue(second.startsWith("HTTP/1.1 200 "), second);
    }
  }
}
