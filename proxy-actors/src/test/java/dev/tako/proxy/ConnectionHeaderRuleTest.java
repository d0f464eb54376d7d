package dev.tako.proxy;

import static dev.tako.proxy.Heads.accepted;
import static dev.tako.proxy.Heads.forwarded;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Connection (RFC 9110 §7.6.1) removes the hop-by-hop headers it names, but never framing or
 * routing ones: {@code Connection: content-length} once made the proxy drop the length while still
 * forwarding the body, which the app then read as the next request.
 */
class ConnectionHeaderRuleTest {
  @Test
  void framingAndRoutingSurviveConnection() {
    String out =
        forwarded(
            accepted(
                "POST / HTTP/1.1\r\nHost: a\r\nConnection: content-length, host, X-Hop\r\n"
                    + "Content-Length: 3\r\nX-Hop: 1\r\n\r\n"));
    assertTrue(out.contains("\r\nContent-Length: 3\r\n"), out);
    assertTrue(out.contains("\r\nHost: a\r\n"), out);
    assertFalse(out.contains("X-Hop"), out);
    assertFalse(out.contains("Connection"), out);
    out =
        forwarded(
            accepted(
                "POST / HTTP/1.1\r\nHost: a\r\nConnection: Transfer-Encoding\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n"));
    assertTrue(out.contains("\r\nTransfer-Encoding: chunked\r\n"), out);
  }

  @Test
  void hopByHopHeadersAreDropped() {
    String out =
        forwarded(
            accepted(
                "GET / HTTP/1.1\r\nHost: a\r\nKeep-Alive: 5\r\nTE: trailers\r\nTrailer: X\r\n"
                    + "Proxy-Connection: keep-alive\r\nProxy-Authorization: x\r\nA: 1\r\n\r\n"));
    assertEquals(
        "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nX-Forwarded-For: 192.0.2.7\r\n"
            + "X-Forwarded-Proto: http\r\nX-Forwarded-Host: a\r\nX-Request-ID: rid\r\n\r\n",
        out);
  }

  @Test
  void theResponseIsReframedToo() {
    byte[] buf =
        Heads.bytes("HTTP/1.1 200 OK\r\nConnection: content-length\r\ncontent-length: 007\r\n\r\n");
    HttpHead head = new HttpHead();
    assertTrue(head.parseResponse(buf, 0, buf.length));
    HeadWriter out = new HeadWriter(64);
    head.writeResponse(out, "rid", false);
    String text =
        new String(
            out.buffer().array(), 0, out.size(), java.nio.charset.StandardCharsets.ISO_8859_1);
    assertTrue(text.contains("\r\nContent-Length: 7\r\n"), text);
  }
}
