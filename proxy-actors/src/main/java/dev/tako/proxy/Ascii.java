package dev.tako.proxy;

import java.nio.charset.StandardCharsets;

/**
 * The byte classes of HTTP/1.1's grammar (RFC 9110 §5.6.2, RFC 9112 §5) and the few comparisons the
 * head parser, the chunked decoder and the head rewriter share. Pure functions over bytes.
 */
final class Ascii {
  private static final boolean[] TCHAR = new boolean[256];

  static {
    for (char c = '0'; c <= '9'; c++) {
      TCHAR[c] = true;
    }
    for (char c = 'a'; c <= 'z'; c++) {
      TCHAR[c] = true;
      TCHAR[c - 32] = true;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TCHAR[c] = true;
    }
  }

  private Ascii() {}

  /** A byte of a token (method, field name, transfer coding, chunk extension name). */
  static boolean tchar(byte b) {
    return TCHAR[b & 0xff];
  }

  /** A byte allowed inside a field value: VCHAR, obs-text, SP or HTAB (no CTL, no DEL). */
  static boolean fieldByte(byte b) {
    int c = b & 0xff;
    return (c >= 0x20 && c != 0x7f) || c == '\t';
  }

  /**
   * A byte of a method as nginx accepts it: uppercase letters, '-' and '_' (a token, but no
   * lowercase "get" or "head" an app could read case-insensitively and frame differently).
   */
  static boolean methodByte(byte b) {
    return (b >= 'A' && b <= 'Z') || b == '-' || b == '_';
  }

  /** A byte allowed in a request target: VCHAR or obs-text (no space, CTL or DEL). */
  static boolean targetByte(byte b) {
    int c = b & 0xff;
    return c > 0x20 && c != 0x7f;
  }

  static boolean ows(byte b) {
    return b == ' ' || b == '\t';
  }

  /** Case-insensitive ASCII comparison with a lowercase string of the same length. */
  static boolean is(byte[] b, int s, String lower) {
    for (int i = 0; i < lower.length(); i++) {
      int c = b[s + i];
      if (c >= 'A' && c <= 'Z') {
        c += 32;
      }
      if (c != lower.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** {@code b[s, e)} equals a lowercase string, ignoring ASCII case. */
  static boolean equalsIgnoreCase(byte[] b, int s, int e, String lower) {
    return e - s == lower.length() && is(b, s, lower);
  }

  static boolean startsWith(byte[] b, int s, String prefix) {
    for (int i = 0; i < prefix.length(); i++) {
      if (b[s + i] != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  static int indexOf(byte[] b, int from, int to, byte c) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  static int skipOws(byte[] b, int i, int e) {
    while (i < e && ows(b[i])) {
      i++;
    }
    return i;
  }

  static int trimOws(byte[] b, int s, int e) {
    while (e > s && ows(b[e - 1])) {
      e--;
    }
    return e;
  }

  static String latin1(byte[] b, int s, int e) {
    return new String(b, s, e - s, StandardCharsets.ISO_8859_1);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
