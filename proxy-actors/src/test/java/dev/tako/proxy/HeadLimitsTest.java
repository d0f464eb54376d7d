package dev.tako.proxy;

import static dev.tako.proxy.Heads.accepted;
import static dev.tako.proxy.Heads.bytes;
import static dev.tako.proxy.Heads.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * nginx's limits by default: a request line up to 8 KiB (414 beyond), each header line up to 8 KiB
 * and the head up to 32 KiB (431 beyond), no count of lines; checked on complete heads and, while a
 * head is still arriving, on what already arrived.
 */
class HeadLimitsTest {
  private static String line(String start, int length) {
    return start + "x".repeat(length - start.length());
  }

  @Test
  void requestLine() {
    String ok = line("GET /", 8192 - " HTTP/1.1".length()) + " HTTP/1.1";
    assertEquals(8192, ok.length());
    accepted(ok + "\r\nHost: a\r\n\r\n");
    String over = line("GET /", 8193 - " HTTP/1.1".length()) + " HTTP/1.1";
    refused(414, over + "\r\nHost: a\r\n\r\n");
  }

  @Test
  void headerLine() {
    accepted("GET / HTTP/1.1\r\nHost: a\r\n" + line("Cookie: ", 8192) + "\r\n\r\n");
    refused(431, "GET / HTTP/1.1\r\nHost: a\r\n" + line("Cookie: ", 8193) + "\r\n\r\n");
  }

  @Test
  void wholeHeadWithoutALineCount() {
    StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 0; head.length() < 32 * 1024 - 40; i++) {
      head.append("X-").append(i).append(": 1\r\n");
    }
    String ok = head + "X: " + "y".repeat(32 * 1024 - head.length() - 7) + "\r\n\r\n";
    assertEquals(32 * 1024, ok.length());
    accepted(ok);
    refused(431, ok.replace("X: y", "X: yy"));
  }

  @Test
  void incompleteHeadsOverALimit() {
    HeadLimits limits = HeadLimits.DEFAULTS;
    byte[] longLine = bytes("GET /" + "x".repeat(8200));
    assertEquals(414, HttpHead.incomplete(longLine, 0, longLine.length, limits).status());
    byte[] almost = bytes(line("GET /", 8192) + "\r");
    assertNull(HttpHead.incomplete(almost, 0, almost.length, limits));
    byte[] cookie = bytes("GET / HTTP/1.1\r\n" + line("Cookie: ", 8193));
    assertEquals(431, HttpHead.incomplete(cookie, 0, cookie.length, limits).status());
    byte[] many = bytes("GET / HTTP/1.1\r\n" + "X: 1\r\n".repeat(6000));
    assertEquals(431, HttpHead.incomplete(many, 0, many.length, limits).status());
    byte[] fine = bytes("GET / HTTP/1.1\r\nHost: a\r\n");
    assertNull(HttpHead.incomplete(fine, 0, fine.length, limits));
  }

  @Test
  void settingsValidateTheLimits() {
    assertThrows(IllegalArgumentException.class, () -> new HeadLimits(0, 8192, 32768));
    assertThrows(IllegalArgumentException.class, () -> new HeadLimits(8192, 8192, 4096));
    HttpHead small = new HttpHead(new HeadLimits(16, 16, 64));
    byte[] buf = bytes("GET /0123456789 HTTP/1.1\r\nHost: a\r\n\r\n");
    assertEquals(false, small.parseRequest(buf, 0, buf.length));
    assertEquals(414, small.reject().status());
  }
}
