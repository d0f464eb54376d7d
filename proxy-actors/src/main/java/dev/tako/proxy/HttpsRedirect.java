package dev.tako.proxy;

import java.nio.charset.StandardCharsets;

/**
 * The {@code Location} of the plain port's 307 to HTTPS: the same URL over HTTPS. Host, path and
 * query come from the visitor, so every byte outside visible ASCII is percent-encoded before it is
 * written: no CR, LF, NUL, control byte or space from the request reaches the proxy's own header.
 */
final class HttpsRedirect {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private HttpsRedirect() {}

  /** The request's URL over HTTPS on {@code port} (left out when 443). */
  static String location(RequestTriage.Request request, int port) {
    String host = request.host();
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      host = close > 0 ? host.substring(0, close + 1) : host;
    } else {
      int colon = host.indexOf(':');
      host = colon >= 0 ? host.substring(0, colon) : host;
    }
    StringBuilder url = new StringBuilder("https://");
    visible(url, host);
    if (port != 443) {
      url.append(':').append(port);
    }
    visible(url, request.path());
    visible(url, request.query());
    return url.toString();
  }

  /**
   * Appends {@code s} with each character outside 0x21-0x7E percent-encoded (a head's characters
   * are its bytes, so one char up to 0xFF is one byte; anything wider is encoded as UTF-8).
   */
  static void visible(StringBuilder out, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c > 0x20 && c < 0x7f) {
        out.append(c);
      } else if (c <= 0xff) {
        percent(out, c);
      } else {
        for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
          percent(out, b & 0xff);
        }
      }
    }
  }

  private static void percent(StringBuilder out, int b) {
    out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
  }
}
