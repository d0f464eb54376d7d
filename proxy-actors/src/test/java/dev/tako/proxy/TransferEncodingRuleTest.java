package dev.tako.proxy;

import static dev.tako.proxy.Heads.accepted;
import static dev.tako.proxy.Heads.forwarded;
import static dev.tako.proxy.Heads.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Transfer-Encoding in a request: exactly {@code chunked} (any case), once, in HTTP/1.1 only; any
 * other coding gets 501 as in nginx (a suffix match would take {@code xchunked} for chunked).
 */
class TransferEncodingRuleTest {
  private static final String POST = "POST / HTTP/1.1\r\nHost: a\r\n";

  @Test
  void chunkedIsChunked() {
    assertTrue(accepted(POST + "Transfer-Encoding: chunked\r\n\r\n").chunked());
    assertTrue(accepted(POST + "transfer-encoding:CHUNKED \r\n\r\n").chunked());
  }

  @Test
  void otherCodingsAreNotImplemented() {
    for (String value :
        new String[] {
          "xchunked",
          "chunkedx",
          "chunked, chunked",
          "gzip, chunked",
          "gzip",
          "identity",
          "",
          "chunked;q=1",
          "\"chunked\"",
          "chunked ,"
        }) {
      refused(501, POST + "Transfer-Encoding: " + value + "\r\n\r\n");
    }
  }

  @Test
  void twoLinesAreRefused() {
    refused(400, POST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n");
    refused(400, POST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n");
  }

  @Test
  void http10HasNoTransferEncoding() {
    refused(400, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
  }

  @Test
  void spaceBeforeTheColonIsNoTransferEncoding() {
    refused(400, POST + "Transfer-Encoding : chunked\r\nContent-Length: 3\r\n\r\n");
    refused(400, POST + "Transfer-Encoding\t: chunked\r\n\r\n");
  }

  @Test
  void theProxyWritesItsOwnLine() {
    String out = forwarded(accepted(POST + "transfer-encoding:   Chunked\r\n\r\n"));
    assertTrue(out.contains("\r\nTransfer-Encoding: chunked\r\n"), out);
    assertFalse(out.contains("Chunked"), out);
    assertEquals(1, out.split("Transfer-Encoding", -1).length - 1, out);
  }
}
