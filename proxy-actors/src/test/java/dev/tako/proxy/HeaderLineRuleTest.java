package dev.tako.proxy;

import static dev.tako.proxy.Heads.accepted;
import static dev.tako.proxy.Heads.forwarded;
import static dev.tako.proxy.Heads.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Header lines (RFC 9112 §5): a token name, the colon right after it, a value of visible bytes,
 * spaces and tabs; no obs-fold, no bare CR, no NUL or other control byte. Lines may end in LF alone
 * (as nginx); the forwarded head ends every line in CRLF.
 */
class HeaderLineRuleTest {
  private static final String GET = "GET / HTTP/1.1\r\nHost: a\r\n";

  @Test
  void whitespaceBeforeTheColonIsRefused() {
    refused(400, GET + "X-A : 1\r\n\r\n");
    refused(400, GET + "Content-Length\t: 1\r\n\r\n");
  }

  @Test
  void obsFoldIsRefused() {
    refused(400, GET + "X-A: 1\r\n 2\r\n\r\n");
    refused(400, GET + "X-A: 1\r\n\t2\r\n\r\n");
    refused(400, "GET / HTTP/1.1\r\n Host: a\r\n\r\n");
  }

  @Test
  void bareCrIsRefused() {
    refused(400, GET + "X-A: 1\r2\r\n\r\n");
    refused(400, GET + "X-A: 1\r\r\n\r\n");
    refused(400, GET + "X\rA: 1\r\n\r\n");
  }

  @Test
  void controlBytesAreRefused() {
    for (char c : new char[] {0, 1, 8, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f}) {
      refused(400, GET + "X-A: a" + c + "b\r\n\r\n");
      refused(400, GET + "X" + c + "A: ab\r\n\r\n");
    }
    // A tab and obs-text stay allowed in values (RFC 9110 §5.5).
    accepted(GET + "X-A: a\tb\u00e9\r\n\r\n");
  }

  @Test
  void namesAreTokens() {
    for (String name : new String[] {"X A", "X@A", "X(A)", "X\"A", "[A]", "X/A", "é"}) {
      refused(400, GET + name + ": 1\r\n\r\n");
    }
    refused(400, GET + ": 1\r\n\r\n");
    refused(400, GET + "NoColon\r\n\r\n");
    accepted(GET + "X-!#$%&'*+.^_`|~: 1\r\n\r\n");
  }

  @Test
  void underscoreAliasesOfKnownNamesAreDropped() {
    String out =
        forwarded(
            accepted(
                GET
                    + "Transfer_Encoding: chunked\r\nContent_length: 5\r\nX_Forwarded_For: 6.6.6.6\r\n"
                    + "HOST_: b\r\nX_Request_ID: r\r\nX_Custom: 1\r\n\r\n"));
    assertEquals(-1, out.toLowerCase(java.util.Locale.ROOT).indexOf("transfer_encoding"), out);
    assertEquals(-1, out.indexOf("Content_length"), out);
    assertEquals(-1, out.indexOf("6.6.6.6"), out);
    assertEquals(-1, out.indexOf("X_Request_ID"), out);
    assertTrue(out.contains("\r\nHOST_: b\r\n"), out);
    assertTrue(out.contains("\r\nX_Custom: 1\r\n"), out);
  }

  @Test
  void bareLfLinesAreReadAndForwardedAsCrlf() {
    HttpHead head = accepted("GET / HTTP/1.1\nHost: a\nX-A: 1\n\n");
    String out = forwarded(head);
    assertTrue(out.startsWith("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n"), out);
    assertEquals(-1, out.replace("\r\n", "").indexOf('\n'), out);
  }
}
