package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Parsing and rewriting helpers shared by the framing rule tests. */
final class Heads {
  private Heads() {}

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Parses a complete request head, which must be accepted. */
  static HttpHead accepted(String head) {
    byte[] buf = bytes(head);
    assertEquals(buf.length, HttpHead.end(buf, 0, buf.length), "head end of " + head);
    HttpHead parsed = new HttpHead();
    assertTrue(parsed.parseRequest(buf, 0, buf.length), () -> head + ": " + parsed.reject());
    return parsed;
  }

  /** Parses a complete request head, which must be refused with {@code status}. */
  static HeadReject refused(int status, String head) {
    byte[] buf = bytes(head);
    int end = HttpHead.end(buf, 0, buf.length);
    assertEquals(buf.length, end, "head end of " + head);
    HttpHead parsed = new HttpHead();
    assertFalse(parsed.parseRequest(buf, 0, end), head);
    assertEquals(status, parsed.reject().status(), head + ": " + parsed.reject());
    return parsed.reject();
  }

  /** The head the proxy forwards to the app. */
  static String forwarded(HttpHead head) {
    HeadWriter out = new HeadWriter(64);
    head.writeRequest(out, "192.0.2.7", "http", "rid");
    ByteBuffer b = out.buffer();
    return new String(b.array(), 0, b.limit(), StandardCharsets.ISO_8859_1);
  }

  /** Feeds {@code body} to a chunked decoder: the end index, or -1 (malformed), -2 (needs more). */
  static int chunked(String body) {
    byte[] buf = bytes(body);
    BodyFramer framer = new BodyFramer();
    framer.chunked();
    int n = framer.advance(buf, 0, buf.length);
    if (n == BodyFramer.MALFORMED) {
      return -1;
    }
    return framer.done() ? n : -2;
  }
}
