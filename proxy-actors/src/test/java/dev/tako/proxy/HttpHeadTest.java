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
  void chunkedWithContentLengthIsRefusedAndHttp10Closes() {
    HttpHead both = new HttpHead();
    byte[] buf =
        bytes(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n");
    assertFalse(both.parseRequest(buf, 0, buf.length));
    assertEquals(400, both.reject().status());
    HttpHead chunked = request("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    assertTrue(chunked.chunked());
    assertEquals(-1, chunked.contentLength());
    HeadWriter out = new HeadWriter(64);
    chunked.writeRequest(out, "127.0.0.1", "http", "id");
    assertFalse(text(out).contains("Content-Length"), text(out));
    assertTrue(text(out).contains("Transfer-Encoding: chunked\r\n"), text(out));
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

  private static HttpHead response(String head) {
    byte[] buf = bytes(head);
    HttpHead parsed = new HttpHead();
    assertTrue(parsed.parseResponse(buf, 0, buf.length), head);
    return parsed;
  }

  @Test
  void acceptEncodingWithQualities() {
    String[][] cases = {
      {"gzip", "true"},
      {"gzip, deflate, br", "true"},
      {"br;q=1.0, GZIP;q=0.5", "true"},
      {"x-gzip", "true"},
      {"*", "true"},
      {"gzip;q=0", "false"},
      {"gzip;q=0.000, *", "false"},
      {"*;q=0", "false"},
      {"br, *;q=0.1", "true"},
      {"br", "false"},
      {"identity", "false"},
      {"", "false"},
    };
    for (String[] c : cases) {
      HttpHead head = request("GET / HTTP/1.1\r\nHost: a\r\nAccept-Encoding: " + c[0] + "\r\n\r\n");
      assertEquals(Boolean.parseBoolean(c[1]), head.acceptsGzip(), c[0]);
    }
    assertFalse(request("GET / HTTP/1.1\r\nHost: a\r\n\r\n").acceptsGzip());
  }

  @Test
  void ifNoneMatchComparesWeakly() {
    HttpHead head =
        request("GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"a\", W/\"b\" ,\"c-gz\"\r\n\r\n");
    assertTrue(head.noneMatchHits("\"a\""));
    assertTrue(head.noneMatchHits("\"b\""));
    assertTrue(head.noneMatchHits("\"c-gz\""));
    assertFalse(head.noneMatchHits("\"c\""));
    assertTrue(
        request("GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: *\r\n\r\n").noneMatchHits("\"z\""));
    assertFalse(request("GET / HTTP/1.1\r\nHost: a\r\n\r\n").noneMatchHits("\"z\""));
  }

  @Test
  void gzipEligibility() {
    String ok = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n";
    assertTrue(GzipEncoder.eligible(response(ok + "Content-Length: 1024\r\n\r\n"), false));
    assertTrue(GzipEncoder.eligible(response(ok + "Transfer-Encoding: chunked\r\n\r\n"), false));
    assertFalse(GzipEncoder.eligible(response(ok + "Content-Length: 1023\r\n\r\n"), false));
    assertFalse(GzipEncoder.eligible(response(ok + "Content-Length: 5000\r\n\r\n"), true));
    assertFalse(
        GzipEncoder.eligible(
            response(ok + "Content-Encoding: br\r\nContent-Length: 5000\r\n\r\n"), false));
    assertTrue(
        GzipEncoder.eligible(
            response(ok + "Content-Encoding: identity\r\nContent-Length: 5000\r\n\r\n"), false));
    assertFalse(
        GzipEncoder.eligible(
            response(ok + "Cache-Control: private, No-Transform\r\nContent-Length: 5000\r\n\r\n"),
            false));
    assertFalse(
        GzipEncoder.eligible(
            response("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"), false));
    assertFalse(
        GzipEncoder.eligible(response(ok + "Transfer-Encoding: gzip, chunked\r\n\r\n"), false));
    assertFalse(
        GzipEncoder.eligible(
            response("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 5000\r\n\r\n"),
            false));
    assertFalse(
        GzipEncoder.eligible(
            response("HTTP/1.1 304 Not Modified\r\n" + ok.substring(17) + "\r\n"), false));
    assertFalse(
        GzipEncoder.eligible(
            response(
                "HTTP/1.1 206 Partial\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-9/99\r\n\r\n"),
            false));
  }

  @Test
  void aGzippedResponseIsReframed() {
    HttpHead head =
        response(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\nETag: \"v1\"\r\n"
                + "X-App: 1\r\n\r\n");
    HeadWriter out = new HeadWriter(64);
    head.writeResponse(out, "rid", false, true);
    String written = text(out);
    assertFalse(written.toLowerCase().contains("content-length"), written);
    assertTrue(written.contains("ETag: W/\"v1\"\r\n"), written);
    assertTrue(written.contains("Transfer-Encoding: chunked\r\n"), written);
    assertTrue(written.contains("Content-Encoding: gzip\r\n"), written);
    assertTrue(written.contains("Vary: Accept-Encoding\r\n"), written);
    assertTrue(written.contains("X-App: 1\r\n"), written);
    head.writeResponse(out, "rid", false, false);
    assertTrue(text(out).contains("Content-Length: 5000\r\n"), text(out));
    assertTrue(text(out).contains("ETag: \"v1\"\r\n"), text(out));
  }

  @Test
  void contentTypes() {
    assertEquals("text/css; charset=utf-8", ContentTypes.forFile("a.CSS"));
    assertEquals("text/javascript; charset=utf-8", ContentTypes.forFile("m.mjs"));
    assertEquals("application/wasm", ContentTypes.forFile("x.wasm"));
    assertEquals("font/woff2", ContentTypes.forFile("f.woff2"));
    assertEquals("application/json", ContentTypes.forFile("app.js.map"));
    assertEquals(ContentTypes.OCTET_STREAM, ContentTypes.forFile("README"));
    assertEquals(ContentTypes.OCTET_STREAM, ContentTypes.forFile("x."));
    assertTrue(ContentTypes.compressible("application/ld+json"));
    assertTrue(ContentTypes.compressible(" Text/Plain ;charset=x"));
    assertFalse(ContentTypes.compressible("text/event-stream; charset=utf-8"));
    assertFalse(ContentTypes.compressible("image/png"));
  }
}
