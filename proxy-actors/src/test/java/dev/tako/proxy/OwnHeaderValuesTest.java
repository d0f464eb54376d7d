package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.proxy.tls.AcmeChallenges;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Values the proxy writes itself never carry a byte that came in unchecked: the HTTPS redirect's
 * {@code Location} percent-encodes what is not visible ASCII, and an {@code X-Request-ID} that is
 * not 1-200 visible ASCII characters is replaced by a generated one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OwnHeaderValuesTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final String UUID4 =
      "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

  private ProxyUnderTest proxy;

  @BeforeAll
  void start() throws Exception {
    proxy =
        new ProxyUnderTest(
            ProxySettings.DEFAULTS, new ProxyListener.Plain(AcmeChallenges.NONE, 8443));
  }

  @AfterAll
  void stop() throws Exception {
    proxy.close();
  }

  private String exchange(String raw) throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      Wire.send(socket, raw);
      return Wire.response(socket);
    }
  }

  /** Every CR in the head ends a line (no bare CR), and there is no NUL. */
  private static void assertCleanHead(String response) {
    String head = response.substring(0, response.indexOf("\r\n\r\n") + 4);
    assertEquals(-1, head.replace("\r\n", "").indexOf('\r'), head);
    assertEquals(-1, head.indexOf('\0'), head);
  }

  private static String header(String response, String name) {
    for (String line : response.split("\r\n")) {
      if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
        return line.substring(name.length() + 1).trim();
      }
    }
    return null;
  }

  @Test
  void theRedirectLocationIsTheSameUrl() throws Exception {
    String got = exchange("GET /a/b?q=1 HTTP/1.1\r\nHost: secure.test\r\n\r\n");
    assertTrue(got.startsWith("HTTP/1.1 307 "), got);
    assertEquals("https://secure.test:8443/a/b?q=1", header(got, "Location"));
  }

  @Test
  void aCarriageReturnInThePathIsNotReflectedInTheLocation() throws Exception {
    String got = exchange("GET /a\rSet-Cookie:x=1 HTTP/1.1\r\nHost: secure.test\r\n\r\n");
    assertCleanHead(got);
    assertFalse(got.contains("\r\nSet-Cookie"), got);
    // Refused by the parser (400), or redirected with the byte encoded.
    if (got.startsWith("HTTP/1.1 307 ")) {
      assertEquals("https://secure.test:8443/a%0DSet-Cookie:x=1", header(got, "Location"));
    } else {
      assertTrue(got.startsWith("HTTP/1.1 400 "), got);
    }
  }

  @Test
  void aSafeClientRequestIdIsKept() throws Exception {
    String got = exchange("GET / HTTP/1.1\r\nHost: app.test\r\nX-Request-ID: abc-123\r\n\r\n");
    assertEquals("abc-123", header(got, "X-Request-ID"));
  }

  @Test
  void anUnsafeClientRequestIdIsReplaced() throws Exception {
    for (String unsafe : new String[] {"has space", "a\u0001b", "x".repeat(201), "caf\u00e9"}) {
      String got =
          exchange("GET / HTTP/1.1\r\nHost: app.test\r\nX-Request-ID: " + unsafe + "\r\n\r\n");
      assertCleanHead(got);
      String id = header(got, "X-Request-ID");
      assertTrue(id.matches(UUID4), unsafe + " -> " + id);
    }
  }
}
