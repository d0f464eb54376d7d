package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BodyFramerTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void lengthStopsAtTheDeclaredSize() {
    BodyFramer framer = new BodyFramer();
    framer.length(5);
    byte[] buf = bytes("helloGET / HTTP/1.1");
    assertEquals(3, framer.advance(buf, 0, 3));
    assertFalse(framer.done());
    assertEquals(2, framer.advance(buf, 3, buf.length));
    assertTrue(framer.done());
    assertEquals(0, framer.advance(buf, 5, buf.length));
  }

  @Test
  void chunkedEndsAfterTheLastChunkAndTrailers() {
    String body = "5\r\nhello\r\nA;ext=1\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n";
    byte[] buf = bytes(body + "NEXT");
    BodyFramer framer = new BodyFramer();
    framer.chunked();
    assertEquals(body.length(), framer.advance(buf, 0, buf.length));
    assertTrue(framer.done());
  }

  @Test
  void chunkedAcrossArbitrarySplits() {
    String body = "3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
    byte[] buf = bytes(body + "rest");
    for (int split = 1; split < body.length(); split++) {
      BodyFramer framer = new BodyFramer();
      framer.chunked();
      int n = framer.advance(buf, 0, split);
      assertEquals(split, n);
      assertFalse(framer.done(), "split " + split);
      assertEquals(body.length() - split, framer.advance(buf, split, buf.length), "split " + split);
      assertTrue(framer.done());
      assertEquals(body.length(), framer.total());
    }
  }

  @Test
  void brokenChunkSizeIsMalformed() {
    BodyFramer framer = new BodyFramer();
    framer.chunked();
    byte[] buf = bytes("zz\r\n");
    assertEquals(BodyFramer.MALFORMED, framer.advance(buf, 0, buf.length));
  }

  @Test
  void untilCloseTakesEverythingUntilClosed() {
    BodyFramer framer = new BodyFramer();
    framer.untilClose();
    byte[] buf = bytes("anything");
    assertEquals(buf.length, framer.advance(buf, 0, buf.length));
    assertFalse(framer.done());
    framer.closed();
    assertTrue(framer.done());
  }
}
