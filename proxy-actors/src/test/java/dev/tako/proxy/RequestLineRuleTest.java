package dev.tako.proxy;

import static dev.tako.proxy.Heads.accepted;
import static dev.tako.proxy.Heads.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The request line (RFC 9112 §3): a token method (uppercase letters, '-' and '_', as nginx), one
 * space, a target of visible bytes (origin, absolute http(s) or {@code *} for OPTIONS), one space,
 * HTTP/1.0 or HTTP/1.1 (505 for other well-formed versions, 400 for anything else, as nginx).
 */
class RequestLineRuleTest {
  private static final String HOST = "\r\nHost: a\r\n\r\n";

  @Test
  void methodsAreTokens() {
    accepted("PROPFIND / HTTP/1.1" + HOST);
    for (String method : new String[] {"G(T", "GE\0T", "GET\r", "\u00c9T", "G\tT", "[GET]"}) {
      refused(400, method + " / HTTP/1.1" + HOST);
    }
    refused(400, " / HTTP/1.1" + HOST);
  }

  @Test
  void methodsAreUppercaseAsNginx() {
    accepted("M-SEARCH / HTTP/1.1" + HOST);
    accepted("X_Y / HTTP/1.1" + HOST);
    for (String method : new String[] {"get", "Head", "GET1", "G.T", "G!T"}) {
      refused(400, method + " / HTTP/1.1" + HOST);
    }
  }

  @Test
  void targetsHaveNoControlBytes() {
    for (String target : new String[] {"/a\0b", "/a\rb", "/a\u007fb", "/a\u0001", "/a\tb"}) {
      refused(400, "GET " + target + " HTTP/1.1" + HOST);
    }
    refused(400, "GET /a b HTTP/1.1" + HOST);
    refused(400, "GET  / HTTP/1.1" + HOST);
    refused(400, "GET / HTTP/1.1 " + HOST);
    assertEquals("/caf\u00e9", accepted("GET /caf\u00e9?x HTTP/1.1" + HOST).path());
  }

  @Test
  void targetForms() {
    assertEquals("/x", accepted("GET http://a/x?y HTTP/1.1" + HOST).path());
    assertEquals("/", accepted("GET https://a HTTP/1.1" + HOST).path());
    accepted("OPTIONS * HTTP/1.1" + HOST);
    refused(400, "GET * HTTP/1.1" + HOST);
    refused(400, "CONNECT a:443 HTTP/1.1" + HOST);
    refused(400, "GET ftp://a/x HTTP/1.1" + HOST);
    refused(400, "GET http:///x HTTP/1.1" + HOST);
    refused(400, "GET http://user@a/x HTTP/1.1" + HOST);
  }

  @Test
  void versions() {
    accepted("GET / HTTP/1.0\r\n\r\n");
    accepted("GET / HTTP/1.1" + HOST);
    refused(400, "GET / HTTP/1.x" + HOST);
    refused(400, "GET / http/1.1" + HOST);
    refused(400, "GET / HTTP/1.10" + HOST);
    refused(400, "GET / HTTP/1" + HOST);
    refused(400, "GET /" + HOST);
    refused(505, "GET / HTTP/2.0" + HOST);
    refused(505, "PRI * HTTP/2.0\r\n\r\n");
    refused(505, "GET / HTTP/1.2" + HOST);
    refused(505, "GET / HTTP/0.9" + HOST);
  }

  @Test
  void emptyLinesBeforeTheRequestLineAreSkipped() {
    assertEquals("/p", accepted("\r\n\nGET /p HTTP/1.1" + HOST).path());
  }
}
