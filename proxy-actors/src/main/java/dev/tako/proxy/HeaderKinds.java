package dev.tako.proxy;

import static dev.tako.proxy.Ascii.is;

import java.util.Arrays;

/**
 * What the proxy does with a header line, by its name: framing ({@code Content-Length}, {@code
 * Transfer-Encoding}), routing ({@code Host}), hop-by-hop (RFC 9110 §7.6.1: dropped), the
 * forwarding headers the proxy writes itself, and those negotiation and conditional requests read.
 * Every other name is {@link #OTHER}: copied as bytes. Pure functions.
 */
final class HeaderKinds {
  static final int OTHER = 0;
  static final int DROP = 1;
  static final int HOST = 2;
  static final int CONTENT_LENGTH = 3;
  static final int TRANSFER_ENCODING = 4;
  static final int CONNECTION = 5;
  static final int UPGRADE = 6;
  static final int EXPECT = 7;
  static final int X_REQUEST_ID = 8;
  static final int X_FORWARDED_FOR = 9;
  static final int X_FORWARDED = 10;
  // Copied like OTHER, but remembered by index for gzip and static files.
  static final int ACCEPT_ENCODING = 11;
  static final int CONTENT_TYPE = 12;
  static final int CONTENT_ENCODING = 13;
  static final int CACHE_CONTROL = 14;
  static final int ETAG = 15;
  static final int IF_NONE_MATCH = 16;
  static final int CONTENT_RANGE = 17;
  static final int RANGE = 18;
  static final int IF_RANGE = 19;

  /**
   * The proxy's own hop headers (Tako-Hop, Tako-Replay): read by the proxy, never copied to the app
   * or to the visitor, so nobody outside the cluster can forge or see them.
   */
  static final int TAKO = 20;

  /** Number of kinds (size of per-kind tables). */
  static final int COUNT = 21;

  private HeaderKinds() {}

  /**
   * Whether a {@code Connection} token may remove the header it names: never framing or routing
   * ones, or the request would be framed (or routed) one way by the proxy and another by the app.
   */
  static boolean removableByConnection(int kind) {
    return kind != HOST && kind != CONTENT_LENGTH && kind != TRANSFER_ENCODING;
  }

  /** Framing and routing names, which a chunked trailer section may not carry. */
  static boolean framingOrRouting(int kind) {
    return kind == HOST || kind == CONTENT_LENGTH || kind == TRANSFER_ENCODING;
  }

  /**
   * Whether the name {@code b[s, e)} contains '_' and, read with '-' instead (as CGI-style app
   * servers do), is a name the proxy does not copy as bytes.
   */
  static boolean aliasOfKnownName(byte[] b, int s, int e) {
    byte[] dashed = null;
    for (int i = s; i < e; i++) {
      if (b[i] == '_') {
        if (dashed == null) {
          dashed = Arrays.copyOfRange(b, s, e);
        }
        dashed[i - s] = '-';
      }
    }
    return dashed != null && classify(dashed, 0, dashed.length) != OTHER;
  }

  /** The kind of the field name {@code b[s, e)} (any case). */
  static int classify(byte[] b, int s, int e) {
    switch (e - s) {
      case 2:
        return is(b, s, "te") ? DROP : OTHER;
      case 4:
        if (is(b, s, "host")) {
          return HOST;
        }
        return is(b, s, "etag") ? ETAG : OTHER;
      case 5:
        return is(b, s, "range") ? RANGE : OTHER;
      case 6:
        return is(b, s, "expect") ? EXPECT : OTHER;
      case 7:
        if (is(b, s, "upgrade")) {
          return UPGRADE;
        }
        return is(b, s, "trailer") ? DROP : OTHER;
      case 8:
        if (is(b, s, "tako-hop")) {
          return TAKO;
        }
        return is(b, s, "if-range") ? IF_RANGE : OTHER;
      case 10:
        if (is(b, s, "connection")) {
          return CONNECTION;
        }
        return is(b, s, "keep-alive") ? DROP : OTHER;
      case 11:
        return is(b, s, "tako-replay") ? TAKO : OTHER;
      case 12:
        if (is(b, s, "x-request-id")) {
          return X_REQUEST_ID;
        }
        return is(b, s, "content-type") ? CONTENT_TYPE : OTHER;
      case 13:
        if (is(b, s, "cache-control")) {
          return CACHE_CONTROL;
        }
        if (is(b, s, "if-none-match")) {
          return IF_NONE_MATCH;
        }
        return is(b, s, "content-range") ? CONTENT_RANGE : OTHER;
      case 14:
        return is(b, s, "content-length") ? CONTENT_LENGTH : OTHER;
      case 15:
        if (is(b, s, "x-forwarded-for")) {
          return X_FORWARDED_FOR;
        }
        return is(b, s, "accept-encoding") ? ACCEPT_ENCODING : OTHER;
      case 16:
        if (is(b, s, "x-forwarded-host")) {
          return X_FORWARDED;
        }
        if (is(b, s, "content-encoding")) {
          return CONTENT_ENCODING;
        }
        return is(b, s, "proxy-connection") ? DROP : OTHER;
      case 17:
        if (is(b, s, "transfer-encoding")) {
          return TRANSFER_ENCODING;
        }
        return is(b, s, "x-forwarded-proto") ? X_FORWARDED : OTHER;
      case 18:
        return is(b, s, "proxy-authenticate") ? DROP : OTHER;
      case 19:
        return is(b, s, "proxy-authorization") ? DROP : OTHER;
      default:
        return OTHER;
    }
  }

  /** The kind of a lowercase name (a {@code Connection} token). */
  static int classify(String lower) {
    return classify(Ascii.bytes(lower), 0, lower.length());
  }
}
