package dev.tako.proxy;

import static dev.tako.proxy.Heads.accepted;
import static dev.tako.proxy.Heads.forwarded;
import static dev.tako.proxy.Heads.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Host (RFC 9112 §3.2): exactly one in HTTP/1.1, a host[:port] of URI characters, and the same
 * authority as an absolute-form target; the app routes by the Host the proxy routed by.
 */
class HostRuleTest {
  @Test
  void exactlyOneInHttp11() {
    refused(400, "GET / HTTP/1.1\r\n\r\n");
    refused(400, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    refused(400, "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n");
    assertEquals("", accepted("GET / HTTP/1.0\r\n\r\n").host());
  }

  @Test
  void hostCharacters() {
    assertEquals("[::1]:8080", accepted("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").host());
    for (String host : new String[] {"a/b", "a b", "a@b", "a\\b", "a\"b", "a\u00e9"}) {
      refused(400, "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    }
  }

  @Test
  void absoluteTargetsMustNameTheSameHost() {
    assertEquals("a.test", accepted("GET http://A.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n").host());
    refused(400, "GET http://b.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n");
    assertEquals("b.test", accepted("GET http://b.test/x HTTP/1.0\r\n\r\n").host());
  }

  @Test
  void connectionCannotRemoveHost() {
    String out = forwarded(accepted("GET / HTTP/1.1\r\nHost: a\r\nConnection: host\r\n\r\n"));
    assertTrue(out.contains("\r\nHost: a\r\n"), out);
  }
}
