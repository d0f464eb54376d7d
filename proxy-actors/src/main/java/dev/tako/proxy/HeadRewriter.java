package dev.tako.proxy;

import static dev.tako.proxy.Ascii.bytes;
import static dev.tako.proxy.Ascii.latin1;
import static dev.tako.proxy.HeaderKinds.CONTENT_LENGTH;
import static dev.tako.proxy.HeaderKinds.EXPECT;
import static dev.tako.proxy.HeaderKinds.HOST;
import static dev.tako.proxy.HeaderKinds.OTHER;
import static dev.tako.proxy.HeaderKinds.TRANSFER_ENCODING;
import static dev.tako.proxy.HeaderKinds.X_FORWARDED;
import static dev.tako.proxy.HeaderKinds.X_FORWARDED_FOR;

import java.util.Locale;

/**
 * Writes a parsed head for the other side: the start line as received, every other line as bytes
 * minus hop-by-hop ones (and those a Connection header names, never framing or routing ones), the
 * framing the proxy itself decided ({@code Content-Length: N} or {@code Transfer-Encoding:
 * chunked}, never the sender's lines), then the headers the proxy owns. Every byte copied passed
 * the strict parser. Pure functions of the parsed head.
 */
final class HeadRewriter {
  private static final byte[] H_XFF = bytes("X-Forwarded-For");
  private static final byte[] H_XFP = bytes("X-Forwarded-Proto");
  private static final byte[] H_XFH = bytes("X-Forwarded-Host");
  private static final byte[] H_RID = bytes("X-Request-ID");
  private static final byte[] H_UPGRADE = bytes("Upgrade");
  private static final byte[] H_CONNECTION = bytes("Connection");
  private static final byte[] H_CL = bytes("Content-Length");
  private static final byte[] H_TE = bytes("Transfer-Encoding");
  private static final byte[] H_CE = bytes("Content-Encoding");
  private static final byte[] H_VARY = bytes("Vary");
  private static final byte[] H_ETAG = bytes("ETag");
  private static final byte[] COMMA = bytes(", ");
  private static final byte[] COLON_SP = bytes(": ");
  private static final byte[] WEAK = bytes("W/");

  private HeadRewriter() {}

  /**
   * The request head for the app: request line as received, headers minus hop-by-hop and the
   * forwarding headers, the proxy's framing, then X-Forwarded-For (client appended), -Proto, -Host
   * and X-Request-ID.
   */
  static void writeRequest(
      HeadParser head, HeadWriter out, String clientAddress, String proto, String id) {
    byte[] buf = head.buf;
    out.reset().append(buf, head.lineStart, head.lineEnd).crlf();
    boolean forwardedFor = false;
    for (int h = 0; h < head.headers; h++) {
      switch (head.kind[h]) {
        case X_FORWARDED_FOR -> forwardedFor = true;
        case OTHER, HOST, EXPECT -> copyUnlessNamed(head, out, h);
        case CONTENT_LENGTH -> out.header(H_CL, Long.toString(head.contentLength));
        case TRANSFER_ENCODING -> out.header(H_TE, "chunked");
        default -> {}
      }
    }
    if (head.upgrade != null && head.connectionUpgrade) {
      out.header(H_UPGRADE, head.upgrade).header(H_CONNECTION, "upgrade");
    }
    out.append(H_XFF).append(COLON_SP);
    if (forwardedFor) {
      boolean first = true;
      for (int h = 0; h < head.headers; h++) {
        if (head.kind[h] == X_FORWARDED_FOR && head.valueEnd[h] > head.valueStart[h]) {
          if (!first) {
            out.append(COMMA);
          }
          out.append(buf, head.valueStart[h], head.valueEnd[h]);
          first = false;
        }
      }
      if (!first) {
        out.append(COMMA);
      }
    }
    out.ascii(clientAddress).crlf();
    out.header(H_XFP, proto);
    if (head.host != null && !head.host.isEmpty()) {
      out.header(H_XFH, head.host);
    }
    out.header(H_RID, id).crlf();
  }

  /**
   * The request head for the app when a peer forwarded the request (it came over the node-to-node
   * listener, mutual TLS): the peer already wrote X-Forwarded-For, -Proto and -Host for its
   * visitor, so they are kept verbatim instead of naming the peer; the proxy's framing and
   * X-Request-ID as for any request. The hop headers themselves are dropped like every {@code
   * Tako-} one.
   */
  static void writeHopped(HeadParser head, HeadWriter out, String id) {
    out.reset().append(head.buf, head.lineStart, head.lineEnd).crlf();
    for (int h = 0; h < head.headers; h++) {
      switch (head.kind[h]) {
        case OTHER, HOST, EXPECT, X_FORWARDED_FOR, X_FORWARDED -> copyUnlessNamed(head, out, h);
        case CONTENT_LENGTH -> out.header(H_CL, Long.toString(head.contentLength));
        case TRANSFER_ENCODING -> out.header(H_TE, "chunked");
        default -> {}
      }
    }
    if (head.upgrade != null && head.connectionUpgrade) {
      out.header(H_UPGRADE, head.upgrade).header(H_CONNECTION, "upgrade");
    }
    out.header(H_RID, id).crlf();
  }

  /**
   * The response head for the visitor: status line as received, headers minus hop-by-hop ones and
   * the app's X-Request-ID, then the request's X-Request-ID and {@code Connection: close} when the
   * proxy closes after this response. With {@code gzip} the body is re-encoded by the proxy:
   * Content-Length and Transfer-Encoding give way to {@code Transfer-Encoding: chunked} and {@code
   * Content-Encoding: gzip}, a strong ETag becomes weak, and {@code Vary: Accept-Encoding} is
   * added; {@code vary}: the body could have been gzipped for another client, so caches must tell
   * the forms apart ({@code Vary: Accept-Encoding}, also when not compressing).
   */
  static void writeResponse(
      HeadParser head, HeadWriter out, String id, boolean closeAfter, boolean gzip, boolean vary) {
    byte[] buf = head.buf;
    int etag = head.first[HeaderKinds.ETAG];
    out.reset().append(buf, head.lineStart, head.lineEnd).crlf();
    for (int h = 0; h < head.headers; h++) {
      int k = head.kind[h];
      if (gzip
          && h == etag
          && !ConditionalRequests.weak(buf, head.valueStart[h], head.valueEnd[h])) {
        out.append(H_ETAG).append(COLON_SP).append(WEAK);
        out.append(buf, head.valueStart[h], head.valueEnd[h]).crlf();
        continue;
      }
      switch (k) {
        case OTHER, HOST, EXPECT, X_FORWARDED_FOR, X_FORWARDED -> copyUnlessNamed(head, out, h);
        case CONTENT_LENGTH -> {
          if (!gzip) {
            out.header(H_CL, Long.toString(head.contentLength));
          }
        }
        case TRANSFER_ENCODING -> {
          if (!gzip) {
            out.append(H_TE).append(COLON_SP);
            out.append(buf, head.valueStart[h], head.valueEnd[h]).crlf();
          }
        }
        default -> {}
      }
    }
    if (gzip) {
      out.header(H_TE, "chunked").header(H_CE, "gzip").header(H_VARY, "Accept-Encoding");
    } else if (vary) {
      out.header(H_VARY, "Accept-Encoding");
    }
    if (head.status == 101 && head.upgrade != null) {
      out.header(H_UPGRADE, head.upgrade).header(H_CONNECTION, "upgrade");
    } else if (closeAfter) {
      out.header(H_CONNECTION, "close");
    }
    out.header(H_RID, id).crlf();
  }

  private static void copyUnlessNamed(HeadParser head, HeadWriter out, int h) {
    if (head.connectionTokens != null
        && head.connectionTokens.contains(
            latin1(head.buf, head.nameStart[h], head.nameEnd[h]).toLowerCase(Locale.ROOT))) {
      return;
    }
    out.append(head.buf, head.nameStart[h], head.valueEnd[h]).crlf();
  }
}
