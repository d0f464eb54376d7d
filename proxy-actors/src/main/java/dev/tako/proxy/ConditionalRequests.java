package dev.tako.proxy;

import static dev.tako.proxy.Ascii.indexOf;
import static dev.tako.proxy.Ascii.latin1;
import static dev.tako.proxy.Ascii.skipOws;
import static dev.tako.proxy.Ascii.startsWith;
import static dev.tako.proxy.Ascii.trimOws;

/**
 * The request's conditional and range headers, for static files (RFC 9110 §13, §14): {@code
 * If-None-Match} compared weakly, {@code Range} and {@code If-Range} handed to {@link StaticFiles}
 * as text. Reads the first line of each from a parsed head; pure functions.
 */
final class ConditionalRequests {
  private ConditionalRequests() {}

  /**
   * If-None-Match names {@code tag} (weak comparison, RFC 9110 §13.1.2) or is "*".
   *
   * @param tag a quoted entity tag without W/
   */
  static boolean noneMatchHits(HeadParser head, String tag) {
    int h = head.first[HeaderKinds.IF_NONE_MATCH];
    if (h < 0) {
      return false;
    }
    byte[] buf = head.buf;
    int i = head.valueStart[h];
    int e = head.valueEnd[h];
    while (i < e) {
      int comma = indexOf(buf, i, e, (byte) ',');
      int itemEnd = comma < 0 ? e : comma;
      int s = skipOws(buf, i, itemEnd);
      int t = trimOws(buf, s, itemEnd);
      if (t - s == 1 && buf[s] == '*') {
        return true;
      }
      if (weak(buf, s, t) && t - s > 2) {
        s += 2;
      }
      if (t - s == tag.length() && startsWith(buf, s, tag)) {
        return true;
      }
      i = itemEnd + 1;
    }
    return false;
  }

  /** An entity tag written as weak ({@code W/"..."}). */
  static boolean weak(byte[] buf, int s, int e) {
    return e - s >= 2 && buf[s] == 'W' && buf[s + 1] == '/';
  }

  /** The request's Range value (first line), or null. */
  static String range(HeadParser head) {
    return value(head, HeaderKinds.RANGE);
  }

  /** The request's If-Range value (an entity tag or a date), or null. */
  static String ifRange(HeadParser head) {
    return value(head, HeaderKinds.IF_RANGE);
  }

  private static String value(HeadParser head, int kind) {
    int h = head.first[kind];
    return h < 0 ? null : latin1(head.buf, head.valueStart[h], head.valueEnd[h]);
  }
}
