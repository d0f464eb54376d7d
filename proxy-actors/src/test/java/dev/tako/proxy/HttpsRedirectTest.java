package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HttpsRedirectTest {
  private static String location(String host, String path, String query, int port) {
    return HttpsRedirect.location(
        new RequestTriage.Request(host, path, query, true, false, -1), port);
  }

  @Test
  void theSameUrlOverHttpsWithoutTheVisitorsPort() {
    assertEquals(
        "https://shop.test:8443/a/b?q=1", location("shop.test:8080", "/a/b", "?q=1", 8443));
    assertEquals("https://shop.test/", location("shop.test", "/", "", 443));
    assertEquals("https://[::1]:8443/", location("[::1]:80", "/", "", 8443));
  }

  @Test
  void bytesOutsideVisibleAsciiArePercentEncoded() {
    assertEquals(
        "https://shop.test/a%0D%0AX-Evil:%20yes%00%7F%E9?q=%0D",
        location("shop.test", "/a\r\nX-Evil: yes\0\u007f\u00e9", "?q=\r", 443));
    assertEquals("https://shop%0D.test/", location("shop\r.test", "/", "", 443));
    assertEquals("https://shop.test/%E2%82%AC", location("shop.test", "/\u20ac", "", 443));
  }
}
