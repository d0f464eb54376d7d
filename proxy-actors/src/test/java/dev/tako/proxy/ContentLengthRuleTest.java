package dev.tako.proxy;

import static dev.tako.proxy.Heads.accepted;
import static dev.tako.proxy.Heads.forwarded;
import static dev.tako.proxy.Heads.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Content-Length: one line of 1 to 18 digits, never beside Transfer-Encoding (RFC 9112 §6.3). */
class ContentLengthRuleTest {
  private static final String POST = "POST / HTTP/1.1\r\nHost: a\r\n";

  @Test
  void digitsFrameTheBody() {
    assertEquals(12, accepted(POST + "Content-Length: 12\r\n\r\n").contentLength());
    assertEquals(7, accepted(POST + "Content-Length:007 \r\n\r\n").contentLength());
    assertEquals(
        999_999_999_999_999_999L,
        accepted(POST + "Content-Length: 999999999999999999\r\n\r\n").contentLength());
  }

  @Test
  void malformedValuesAreRefused() {
    for (String value : new String[] {"", "-1", "+5", "1 2", "5,5", "0x10", "1e3", "١", "5;q"}) {
      refused(400, POST + "Content-Length: " + value + "\r\n\r\n");
    }
    refused(400, POST + "Content-Length: 1000000000000000000\r\n\r\n");
  }

  @Test
  void severalLinesAreRefusedEvenWhenEqual() {
    // nginx refuses duplicates too: two readers could pick different lines.
    refused(400, POST + "Content-Length: 1\r\nContent-Length: 2\r\n\r\n");
    refused(400, POST + "Content-Length: 3\r\ncontent-length: 3\r\n\r\n");
  }

  @Test
  void withTransferEncodingIsRefused() {
    refused(400, POST + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
    refused(400, POST + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n");
  }

  @Test
  void theProxyWritesItsOwnLine() {
    String out = forwarded(accepted(POST + "content-LENGTH:   0005\r\n\r\n"));
    assertTrue(out.contains("\r\nContent-Length: 5\r\n"), out);
  }
}
