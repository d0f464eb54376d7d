package dev.tako.proxy;

import static dev.tako.proxy.Heads.chunked;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Chunked framing (RFC 9112 §7.1) to the letter: hex sizes without overflow, extensions by their
 * grammar, CRLF only, trailers as field lines without framing or routing names.
 */
class ChunkedDecoderTest {
  private static final int MALFORMED = -1;
  private static final int NEED_MORE = -2;

  private static void ends(String body) {
    assertEquals(body.length(), chunked(body + "GET /next HTTP/1.1\r\n"), body);
  }

  @Test
  void sizesAndData() {
    ends("5\r\nhello\r\n0\r\n\r\n");
    ends("A\r\n0123456789\r\n00\r\n\r\n");
    ends("0000000001\r\nx\r\n0\r\n\r\n");
    assertEquals(NEED_MORE, chunked("5\r\nhel"));
    assertEquals(MALFORMED, chunked("\r\n"));
    assertEquals(MALFORMED, chunked("-1\r\n"));
    assertEquals(MALFORMED, chunked("0x5\r\n"));
    assertEquals(MALFORMED, chunked("5\r\nhelloX\r\n"));
  }

  @Test
  void sizesAreOverflowChecked() {
    assertEquals(NEED_MORE, chunked("7fffffffffffffff\r\n"));
    assertEquals(MALFORMED, chunked("8000000000000000\r\n"));
    assertEquals(MALFORMED, chunked("ffffffffffffffffff"));
    assertEquals(MALFORMED, chunked("10000000000000001\r\n"));
  }

  @Test
  void bareLfIsNotALineEnd() {
    assertEquals(MALFORMED, chunked("5\nhello\r\n0\r\n\r\n"));
    assertEquals(MALFORMED, chunked("5\r\nhello\n0\r\n\r\n"));
    assertEquals(MALFORMED, chunked("5\r\nhello\r\n0\n\n"));
    assertEquals(MALFORMED, chunked("5\r\nhello\r\n0\r\n\n"));
    assertEquals(MALFORMED, chunked("5\r\r\nhello\r\n0\r\n\r\n"));
  }

  @Test
  void extensionsByTheGrammar() {
    ends("5;a\r\nhello\r\n0\r\n\r\n");
    ends("5 ; a = b ;c=\"d;\\\"e\"\r\nhello\r\n0;x\r\n\r\n");
    for (String ext :
        new String[] {";", "; ", ";a=", ";a=\"x", ";a b", " ", "x", ";a=b c", ";a\0"}) {
      assertEquals(MALFORMED, chunked("5" + ext + "\r\nhello\r\n0\r\n\r\n"), ext);
    }
    assertEquals(MALFORMED, chunked("5;a=\"\0\"\r\nhello\r\n0\r\n\r\n"));
    assertEquals(MALFORMED, chunked("5;a\rb\r\nhello\r\n0\r\n\r\n"));
  }

  @Test
  void trailersAreFieldLines() {
    ends("0\r\nX-Sum: 1\r\nX-B:\r\n\r\n");
    assertEquals(MALFORMED, chunked("0\r\nGET /admin HTTP/1.1\r\n\r\n"));
    assertEquals(MALFORMED, chunked("0\r\nX-Sum : 1\r\n\r\n"));
    assertEquals(MALFORMED, chunked("0\r\n folded\r\n\r\n"));
    assertEquals(MALFORMED, chunked("0\r\nX: a\0b\r\n\r\n"));
    assertEquals(MALFORMED, chunked("0\r\nX: 1\n\r\n"));
  }

  @Test
  void framingAndRoutingFieldsAreNoTrailers() {
    assertEquals(MALFORMED, chunked("0\r\nContent-Length: 5\r\n\r\n"));
    assertEquals(MALFORMED, chunked("0\r\ntransfer-encoding: chunked\r\n\r\n"));
    assertEquals(MALFORMED, chunked("0\r\nHost: evil\r\n\r\n"));
    assertEquals(MALFORMED, chunked("0\r\nContent_Length: 5\r\n\r\n"));
    assertEquals(MALFORMED, chunked("0\r\nTRANSFER_ENCODING: chunked\r\n\r\n"));
    assertEquals(MALFORMED, chunked("0\r\nHost:"));
  }

  @Test
  void lineAndTrailerLimits() {
    String zeros = "0".repeat(ChunkedDecoder.MAX_LINE);
    ends(zeros.substring(1) + "1\r\nx\r\n0\r\n\r\n");
    assertEquals(MALFORMED, chunked("0" + zeros + "\r\n"));
    String trailer = "X: " + "v".repeat(8000) + "\r\n";
    assertEquals(MALFORMED, chunked("0\r\n" + trailer.repeat(5) + "\r\n"));
    ends("0\r\n" + trailer.repeat(4) + "\r\n");
  }

  @Test
  void theGzipEncoderUsesTheSameDecoder() {
    GzipEncoder encoder = new GzipEncoder();
    encoder.start(true);
    byte[] in = Heads.bytes("3;e=1\r\nabc\r\n2\r\nde\r\n0\r\nX: 1\r\n\r\n");
    assertEquals(in.length, encoder.consume(in, 0, in.length));
    encoder.end();
  }
}
