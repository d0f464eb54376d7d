package dev.tako.proxy;

import static dev.tako.proxy.Ascii.indexOf;
import static dev.tako.proxy.Ascii.is;
import static dev.tako.proxy.Ascii.skipOws;
import static dev.tako.proxy.Ascii.trimOws;

/**
 * Whether a body may be gzipped: the request's {@code Accept-Encoding} (gzip or "*" with q above
 * 0), the response's Content-Type (compressible text, see {@link ContentTypes}), Content-Encoding,
 * {@code Cache-Control: no-transform} and Content-Range. Reads the first line of each header from a
 * parsed head; pure functions.
 */
final class ContentNegotiation {
  private ContentNegotiation() {}

  /** The request's Accept-Encoding accepts gzip (q > 0, by name or by "*"). */
  static boolean acceptsGzip(HeadParser head) {
    int h = head.first[HeaderKinds.ACCEPT_ENCODING];
    if (h < 0) {
      return false;
    }
    byte[] buf = head.buf;
    int gzip = -1; // -1 not named, 0 refused, 1 accepted
    int star = -1;
    int i = head.valueStart[h];
    int e = head.valueEnd[h];
    while (i < e) {
      int comma = indexOf(buf, i, e, (byte) ',');
      int itemEnd = comma < 0 ? e : comma;
      int semi = indexOf(buf, i, itemEnd, (byte) ';');
      int ns = skipOws(buf, i, itemEnd);
      int ne = trimOws(buf, ns, semi < 0 ? itemEnd : semi);
      int accepted = semi < 0 ? 1 : qPositive(buf, semi + 1, itemEnd) ? 1 : 0;
      if ((ne - ns == 4 && is(buf, ns, "gzip")) || (ne - ns == 6 && is(buf, ns, "x-gzip"))) {
        gzip = Math.max(gzip, accepted);
      } else if (ne - ns == 1 && buf[ns] == '*') {
        star = accepted;
      }
      i = itemEnd + 1;
    }
    return gzip >= 0 ? gzip == 1 : star == 1;
  }

  /** Whether the parameters in {@code buf[s, e)} have no q, or a q above 0. */
  private static boolean qPositive(byte[] buf, int s, int e) {
    for (int i = s; i < e; i++) {
      if ((buf[i] == 'q' || buf[i] == 'Q') && i + 1 < e && buf[i + 1] == '=') {
        for (int j = i + 2; j < e && buf[j] != ';'; j++) {
          if (buf[j] >= '1' && buf[j] <= '9') {
            return true;
          }
        }
        return false;
      }
    }
    return true;
  }

  /**
   * The response's Content-Type is text worth compressing (text/*, JSON, JavaScript, XML, SVG…),
   * and not a stream of server-sent events.
   */
  static boolean compressibleType(HeadParser head) {
    int h = head.first[HeaderKinds.CONTENT_TYPE];
    return h >= 0 && ContentTypes.compressible(head.buf, head.valueStart[h], head.valueEnd[h]);
  }

  /** The response already has a content coding other than identity. */
  static boolean encoded(HeadParser head) {
    int h = head.first[HeaderKinds.CONTENT_ENCODING];
    if (h < 0) {
      return false;
    }
    int s = head.valueStart[h];
    int e = head.valueEnd[h];
    return !(e == s || (e - s == 8 && is(head.buf, s, "identity")));
  }

  /** Cache-Control forbids changing the body ({@code no-transform}). */
  static boolean noTransform(HeadParser head) {
    int h = head.first[HeaderKinds.CACHE_CONTROL];
    if (h < 0) {
      return false;
    }
    String lower = "no-transform";
    for (int i = head.valueStart[h]; i + lower.length() <= head.valueEnd[h]; i++) {
      if (is(head.buf, i, lower)) {
        return true;
      }
    }
    return false;
  }

  /** A partial response (Content-Range): never re-encoded. */
  static boolean hasContentRange(HeadParser head) {
    return head.first[HeaderKinds.CONTENT_RANGE] >= 0;
  }
}
