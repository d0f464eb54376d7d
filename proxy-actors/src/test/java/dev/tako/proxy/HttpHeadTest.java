package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpHeadTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static String text(HeadWriter out) {
    ByteBuffer b = out.buffer();
    return new String(b.array(), 0, b.limit(), StandardCharsets.ISO_8859_1);
  }

  private static HttpHead request(String head) {
    byte[] buf = bytes(head);
    HttpHead parsed = new HttpHead();
    assertEquals(buf.length, HttpHead.end(buf, 0, buf.length));
    assertTrue(parsed.parseRequest(buf, 0, buf.length), head);
    return parsed;
  }

  @Test
  void findsTheEndOfAHead() {
    byte[] buf = bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\nbody");
    assertEquals(buf.length - 4, HttpHead.end(buf, 0, buf.length));
    assertEquals(-1, HttpHead.end(buf, 0, 20));
  }

  @Test
  void parsesRoutingAndFraming() {
    HttpHead head =
        request(
            "POST /api/x?y=1 HTTP/1.1\r\nHOST: Site.Test:8080\r\nContent-Length: 12\r\n"
                + "Expect: 100-continue\r\nX-Request-ID: abc\r\n\r\n");
    assertEquals("Site.Test:8080", head.host());
    assertEquals("/api/x", head.path());
    assertEquals(12, head.contentLength());
    assertTrue(head.hasBody());
    assertTrue(head.expectContinue());
    assertEquals("abc", head.clientRequestId());
    assertFalse(head.closeRequested());
  }

  @Test
  void chunkedWinsOverContentLengthAndHttp10Closes() {
    HttpHead chunked =
        request(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n");
    assertTrue(chunked.chunked());
    assertEquals(-1, chunked.contentLength());
    HeadWriter out = new HeadWriter(64);
    chunked.writeRequest(out, "127.0.0.1", "http", "id");
    assertFalse(text(out).contains("Content-Length"), text(out));
    assertTrue(request("GET / HTTP/1.0\r\n\r\n").closeRequested());
  }

  @Test
  void rejectsConflictingLengthsAndBadLines() {
    HttpHead head = new HttpHead();
    byte[] twice = bytes("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
    assertFalse(head.parseRequest(twice, 0, twice.length));
    byte[] folded = bytes("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n");
    assertFalse(head.parseRequest(folded, 0, folded.length));
    byte[] garbage = bytes("NONSENSE\r\n\r\n");
    assertFalse(head.parseRequest(garbage, 0, garbage.length));
  }

  @Test
  void rewritesTheRequestForTheApp() {
    HttpHead head =
        request(
            "GET /a HTTP/1.1\r\nHost: h.test\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
                + "X-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: https\r\nTE: trailers\r\n"
                + "X-Request-ID: old\r\nAccept: */*\r\n\r\n");
    HeadWriter out = new HeadWriter(16);
    head.writeRequest(out, "192.0.2.7", "http", "rid");
    assertEquals(
        "GET /a HTTP/1.1\r\nHost: h.test\r\nAccept: */*\r\n"
            + "X-Forwarded-For: 10.0.0.1, 192.0.2.7\r\nX-Forwarded-Proto: http\r\n"
            + "X-Forwarded-Host: h.test\r\nX-Request-ID: rid\r\n\r\n",
        text(out));
  }

  @Test
  void rewritesTheResponseForTheVisitor() {
    byte[] buf =
        bytes(
            "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
                + "Transfer-Encoding: chunked\r\nX-Request-ID: app\r\nContent-Type: text/plain\r\n\r\n");
    HttpHead head = new HttpHead();
    assertTrue(head.parseResponse(buf, 0, buf.length));
    assertEquals(200, head.status());
    assertTrue(head.chunked());
    HeadWriter out = new HeadWriter(16);
    head.writeResponse(out, "rid", true);
    assertEquals(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n"
            + "Connection: close\r\nX-Request-ID: rid\r\n\r\n",
        text(out));
  }

  @Test
  void knowsBodylessStatuses() {
    HttpHead head = new HttpHead();
    byte[] buf = bytes("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n");
    assertTrue(head.parseResponse(buf, 0, buf.length));
    assertTrue(head.bodylessStatus());
  }
}
