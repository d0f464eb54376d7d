package dev.tako.proxy;

import static dev.tako.proxy.Ascii.equalsIgnoreCase;
import static dev.tako.proxy.Ascii.fieldByte;
import static dev.tako.proxy.Ascii.indexOf;
import static dev.tako.proxy.Ascii.is;
import static dev.tako.proxy.Ascii.latin1;
import static dev.tako.proxy.Ascii.methodByte;
import static dev.tako.proxy.Ascii.ows;
import static dev.tako.proxy.Ascii.skipOws;
import static dev.tako.proxy.Ascii.startsWith;
import static dev.tako.proxy.Ascii.targetByte;
import static dev.tako.proxy.Ascii.tchar;
import static dev.tako.proxy.Ascii.trimOws;
import static dev.tako.proxy.HeaderKinds.CONNECTION;
import static dev.tako.proxy.HeaderKinds.CONTENT_LENGTH;
import static dev.tako.proxy.HeaderKinds.EXPECT;
import static dev.tako.proxy.HeaderKinds.HOST;
import static dev.tako.proxy.HeaderKinds.OTHER;
import static dev.tako.proxy.HeaderKinds.TRANSFER_ENCODING;
import static dev.tako.proxy.HeaderKinds.UPGRADE;
import static dev.tako.proxy.HeaderKinds.X_FORWARDED_FOR;
import static dev.tako.proxy.HeaderKinds.X_REQUEST_ID;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Parses one HTTP/1.1 message head in place, strictly by RFC 9112 and where nginx is strict:
 * uppercase methods, tokens for field names (those with '_' that read with '-' name a header the
 * proxy frames, routes or writes are dropped from requests), no whitespace before a colon, no
 * obs-fold, no bare CR, no control byte anywhere, HTTP/1.0 or HTTP/1.1 only, one Host, one
 * Content-Length of digits, one Transfer-Encoding (exactly {@code chunked} in a request) and never
 * both, Host required in HTTP/1.1 and equal to an absolute-form target's authority. Lines may end
 * in LF alone (RFC 9112 §2.2, as nginx): the rewritten head always ends them in CRLF. Only what
 * routing and framing need becomes values; other lines stay offsets into the caller's buffer. One
 * instance per connection and direction, reused; not thread-safe.
 *
 * <p>Fails by returning false with {@link #reject()} saying why (400, 414, 431, 501, 505).
 */
final class HeadParser {
  private final HeadLimits limits;

  byte[] buf;
  int lineStart;
  int lineEnd;
  int headers;
  int[] nameStart = new int[32];
  int[] nameEnd = new int[32];
  int[] valueStart = new int[32];
  int[] valueEnd = new int[32];
  int[] kind = new int[32];

  /** The first header line of each kind, or -1. */
  final int[] first = new int[HeaderKinds.COUNT];

  HeadReject reject;
  // Start line.
  boolean http10;
  boolean headRequest;
  boolean safeMethod;

  /** GET, HEAD, OPTIONS, PUT or DELETE: may be sent twice (SPEC §12's re-send rule). */
  boolean idempotentMethod;

  int status;
  private int targetStart;
  private int targetEnd;
  private int authorityStart = -1;
  private int authorityEnd;
  private byte[] lastHostBytes;
  private String lastHost;
  // Values.
  String host;
  long contentLength;
  boolean transferEncoding;
  boolean chunked;
  boolean transferCoded;
  boolean close;
  boolean keepAlive;
  boolean connectionUpgrade;
  String upgrade;
  boolean expectContinue;
  String requestId;

  /** Lowercase names a Connection header removes (never framing or routing ones). */
  List<String> connectionTokens;

  HeadParser(HeadLimits limits) {
    this.limits = limits;
  }

  /**
   * Parses a request head occupying {@code buf[from, to)} (as found by {@link HeadBoundary#end}).
   */
  boolean parseRequest(byte[] buf, int from, int to) {
    reset(buf);
    if (!startLine(from, to, true)) {
      return false;
    }
    int i = lineEnd < to && buf[lineEnd] == '\r' ? lineEnd + 2 : lineEnd + 1;
    if (!requestLine() || !fields(i, to, true)) {
      return false;
    }
    if (transferEncoding && http10) {
      return fail(400, "Transfer-Encoding in HTTP/1.0");
    }
    if (http10) {
      // RFC 9110 §7.8: Upgrade in an HTTP/1.0 request is ignored, so a 101 answers no request.
      upgrade = null;
      connectionUpgrade = false;
    }
    if (transferEncoding && contentLength >= 0) {
      return fail(400, "both Content-Length and Transfer-Encoding");
    }
    if (authorityStart >= 0) {
      if (host == null) {
        host = host(authorityStart, authorityEnd);
      } else if (!host.equalsIgnoreCase(latin1(buf, authorityStart, authorityEnd))) {
        return fail(400, "request target and Host differ");
      }
    }
    if (host == null && !http10) {
      return fail(400, "no Host in HTTP/1.1");
    }
    return true;
  }

  /** Parses a response head occupying {@code buf[from, to)}. */
  boolean parseResponse(byte[] buf, int from, int to) {
    reset(buf);
    if (!startLine(from, to, false)) {
      return false;
    }
    int i = lineEnd < to && buf[lineEnd] == '\r' ? lineEnd + 2 : lineEnd + 1;
    if (!statusLine() || !fields(i, to, false)) {
      return false;
    }
    if (transferEncoding && contentLength >= 0) {
      return fail(400, "both Content-Length and Transfer-Encoding");
    }
    return true;
  }

  private void reset(byte[] buf) {
    this.buf = buf;
    reject = null;
    headers = 0;
    Arrays.fill(first, -1);
    http10 = false;
    headRequest = false;
    safeMethod = false;
    idempotentMethod = false;
    status = 0;
    authorityStart = -1;
    host = null;
    contentLength = -1;
    transferEncoding = false;
    chunked = false;
    transferCoded = false;
    close = false;
    keepAlive = false;
    connectionUpgrade = false;
    upgrade = null;
    expectContinue = false;
    requestId = null;
    connectionTokens = null;
  }

  private boolean fail(int status, String reason) {
    reject = new HeadReject(status, reason);
    return false;
  }

  private boolean startLine(int from, int to, boolean request) {
    lineStart = HeadBoundary.skipEmptyLines(buf, from, to);
    int eol = indexOf(buf, lineStart, to, (byte) '\n');
    if (eol < 0) {
      return fail(400, "incomplete head");
    }
    lineEnd = eol > lineStart && buf[eol - 1] == '\r' ? eol - 1 : eol;
    if (request && lineEnd - lineStart > limits.maxRequestLine()) {
      return fail(414, "request line too long");
    }
    if (to - from > limits.maxHead()) {
      return fail(431, "head too large");
    }
    return true;
  }

  // METHOD SP request-target SP HTTP-version
  private boolean requestLine() {
    int i = lineStart;
    while (i < lineEnd && methodByte(buf[i])) {
      i++;
    }
    if (i == lineStart || i == lineEnd || buf[i] != ' ') {
      return fail(400, "malformed method");
    }
    int methodEnd = i;
    targetStart = ++i;
    while (i < lineEnd && targetByte(buf[i])) {
      i++;
    }
    if (i == targetStart || i == lineEnd || buf[i] != ' ') {
      return fail(400, "malformed request target");
    }
    targetEnd = i;
    if (!version(i + 1, lineEnd)) {
      return false;
    }
    int method = methodEnd - lineStart;
    headRequest = method == 4 && startsWith(buf, lineStart, "HEAD");
    safeMethod = headRequest || (method == 3 && startsWith(buf, lineStart, "GET"));
    idempotentMethod =
        safeMethod
            || (method == 3 && startsWith(buf, lineStart, "PUT"))
            || (method == 6 && startsWith(buf, lineStart, "DELETE"))
            || (method == 7 && startsWith(buf, lineStart, "OPTIONS"));
    if (buf[targetStart] == '/') {
      return true;
    }
    if (targetEnd - targetStart == 1 && buf[targetStart] == '*') {
      return method == 7 && startsWith(buf, lineStart, "OPTIONS")
          || fail(400, "asterisk-form target without OPTIONS");
    }
    return absoluteForm();
  }

  private boolean version(int s, int e) {
    if (e - s != 8
        || !startsWith(buf, s, "HTTP/")
        || !digit(buf[s + 5])
        || buf[s + 6] != '.'
        || !digit(buf[s + 7])) {
      return fail(400, "malformed HTTP version");
    }
    if (buf[s + 5] != '1' || (buf[s + 7] != '0' && buf[s + 7] != '1')) {
      return fail(505, "HTTP version not supported");
    }
    http10 = buf[s + 7] == '0';
    return true;
  }

  private static boolean digit(byte b) {
    return b >= '0' && b <= '9';
  }

  /** http(s)://authority[/path][?query]: the authority must be a host[:port], no userinfo. */
  private boolean absoluteForm() {
    int s = targetStart;
    int scheme;
    if (targetEnd - s > 7 && is(buf, s, "http://")) {
      scheme = 7;
    } else if (targetEnd - s > 8 && is(buf, s, "https://")) {
      scheme = 8;
    } else {
      return fail(400, "unsupported request target form");
    }
    int a = s + scheme;
    int e = a;
    while (e < targetEnd && buf[e] != '/' && buf[e] != '?' && buf[e] != '#') {
      e++;
    }
    if (e == a || !validHost(a, e)) {
      return fail(400, "malformed authority in request target");
    }
    authorityStart = a;
    authorityEnd = e;
    return true;
  }

  /** reg-name, IP literal or IPv4, with an optional port: no '/', '@', '\\', space or CTL. */
  private boolean validHost(int s, int e) {
    for (int i = s; i < e; i++) {
      int c = buf[i] & 0xff;
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "-._~!$&'()*+,;=:[]%".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  // HTTP-version SP 3DIGIT [SP reason-phrase]; a missing reason is tolerated (as nginx does).
  private boolean statusLine() {
    int s = lineStart;
    if (lineEnd - s < 12
        || !(startsWith(buf, s, "HTTP/1.1") || startsWith(buf, s, "HTTP/1.0"))
        || buf[s + 8] != ' ') {
      return fail(400, "malformed status line");
    }
    http10 = buf[s + 7] == '0';
    for (int i = s + 9; i < s + 12; i++) {
      if (!digit(buf[i])) {
        return fail(400, "malformed status code");
      }
      status = status * 10 + buf[i] - '0';
    }
    if (lineEnd > s + 12 && buf[s + 12] != ' ') {
      return fail(400, "malformed status line");
    }
    for (int i = s + 12; i < lineEnd; i++) {
      if (!fieldByte(buf[i])) {
        return fail(400, "control byte in reason phrase");
      }
    }
    return true;
  }

  // *( field-name ":" OWS field-value OWS CRLF ) CRLF
  private boolean fields(int i, int to, boolean request) {
    for (; ; ) {
      int eol = indexOf(buf, i, to, (byte) '\n');
      if (eol < 0) {
        return fail(400, "incomplete head");
      }
      int end = eol > i && buf[eol - 1] == '\r' ? eol - 1 : eol;
      if (end == i) {
        return true;
      }
      if (end - i > limits.maxHeaderLine()) {
        return fail(431, "header line too long");
      }
      if (ows(buf[i])) {
        return fail(400, "obsolete line folding");
      }
      int n = i;
      while (n < end && tchar(buf[n])) {
        n++;
      }
      if (n == i || n == end || buf[n] != ':') {
        return fail(400, "malformed header name");
      }
      int vs = skipOws(buf, n + 1, end);
      for (int k = vs; k < end; k++) {
        if (!fieldByte(buf[k])) {
          return fail(400, "control byte in header value");
        }
      }
      int h = add(i, n, vs, trimOws(buf, vs, end));
      if (!interpret(h, request)) {
        return false;
      }
      i = eol + 1;
    }
  }

  private int add(int ns, int ne, int vs, int ve) {
    if (headers == kind.length) {
      int grown = headers * 2;
      nameStart = Arrays.copyOf(nameStart, grown);
      nameEnd = Arrays.copyOf(nameEnd, grown);
      valueStart = Arrays.copyOf(valueStart, grown);
      valueEnd = Arrays.copyOf(valueEnd, grown);
      kind = Arrays.copyOf(kind, grown);
    }
    int h = headers++;
    nameStart[h] = ns;
    nameEnd[h] = ne;
    valueStart[h] = vs;
    valueEnd[h] = ve;
    kind[h] = HeaderKinds.classify(buf, ns, ne);
    return h;
  }

  private boolean interpret(int h, boolean request) {
    int vs = valueStart[h];
    int ve = valueEnd[h];
    int k = kind[h];
    boolean repeated = first[k] >= 0;
    if (!repeated) {
      first[k] = h;
    }
    switch (k) {
      case HOST -> {
        if (!request) {
          return true;
        }
        if (repeated) {
          return fail(400, "several Host headers");
        }
        if (!validHost(vs, ve)) {
          return fail(400, "malformed Host");
        }
        host = host(vs, ve);
      }
      case CONTENT_LENGTH -> {
        if (repeated) {
          return fail(400, "several Content-Length headers");
        }
        if (vs == ve || ve - vs > 18) {
          return fail(400, "malformed Content-Length");
        }
        long value = 0;
        for (int i = vs; i < ve; i++) {
          if (!digit(buf[i])) {
            return fail(400, "malformed Content-Length");
          }
          value = value * 10 + buf[i] - '0';
        }
        contentLength = value;
      }
      case TRANSFER_ENCODING -> {
        if (repeated) {
          return fail(400, "several Transfer-Encoding headers");
        }
        transferEncoding = true;
        return request ? requestCoding(vs, ve) : responseCoding(vs, ve);
      }
      case CONNECTION -> connection(vs, ve);
      case UPGRADE -> upgrade = latin1(buf, vs, ve);
      case EXPECT -> expectContinue = true;
      case X_REQUEST_ID -> {
        if (!repeated) {
          requestId = latin1(buf, vs, ve);
        }
      }
      case OTHER -> {
        // "Transfer_Encoding", "X_Forwarded_For": many app servers (CGI-style environments) read
        // '_' as '-', so the app would see a second framing, routing or forwarding header the
        // proxy never checked. Dropped, as nginx drops every name with '_' by default.
        if (request && HeaderKinds.aliasOfKnownName(buf, nameStart[h], nameEnd[h])) {
          kind[h] = HeaderKinds.DROP;
        }
      }
      case X_FORWARDED_FOR, HeaderKinds.DROP, HeaderKinds.X_FORWARDED, HeaderKinds.TAKO -> {}
      // Negotiation and conditional headers: remembered in first[], copied like any other line.
      default -> kind[h] = OTHER;
    }
    return true;
  }

  /** A request's coding must be exactly chunked: nginx answers 501 to any other. */
  private boolean requestCoding(int vs, int ve) {
    chunked = equalsIgnoreCase(buf, vs, ve, "chunked");
    return chunked || fail(501, "unsupported Transfer-Encoding");
  }

  /**
   * A response is chunked when its final coding is exactly chunked (RFC 9112 §6.3); any other
   * coding is passed on untouched (and never gzipped again), read until the connection closes.
   */
  private boolean responseCoding(int vs, int ve) {
    int comma = ve;
    while (comma > vs && buf[comma - 1] != ',') {
      comma--;
    }
    int s = skipOws(buf, comma, ve);
    chunked = equalsIgnoreCase(buf, s, ve, "chunked");
    transferCoded = !equalsIgnoreCase(buf, vs, ve, "chunked");
    return true;
  }

  private void connection(int vs, int ve) {
    int i = vs;
    while (i <= ve) {
      int comma = indexOf(buf, i, ve, (byte) ',');
      int end = comma < 0 ? ve : comma;
      int s = skipOws(buf, i, end);
      String t = latin1(buf, s, trimOws(buf, s, end)).toLowerCase(Locale.ROOT);
      switch (t) {
        case "close" -> close = true;
        case "keep-alive" -> keepAlive = true;
        case "upgrade" -> connectionUpgrade = true;
        case "" -> {}
        default -> {
          // Never framing or routing: the app must frame and route the request as we do.
          if (HeaderKinds.removableByConnection(HeaderKinds.classify(t))) {
            if (connectionTokens == null) {
              connectionTokens = new ArrayList<>(2);
            }
            connectionTokens.add(t);
          }
        }
      }
      i = end + 1;
    }
  }

  /** Keep-alive connections repeat the same Host: reuse the String when the bytes match. */
  private String host(int s, int e) {
    byte[] last = lastHostBytes;
    if (last != null && Arrays.equals(last, 0, last.length, buf, s, e)) {
      return lastHost;
    }
    lastHostBytes = Arrays.copyOfRange(buf, s, e);
    lastHost = latin1(buf, s, e);
    return lastHost;
  }

  /** The path of an origin-form or absolute-form target, without the query ("/" for "*"). */
  String path() {
    int start = authorityStart >= 0 ? authorityEnd : targetStart;
    if (start == targetEnd || buf[start] != '/') {
      return "/";
    }
    int end = start;
    while (end < targetEnd && buf[end] != '?' && buf[end] != '#') {
      end++;
    }
    return latin1(buf, start, end);
  }

  /** The query of the target with its "?" ("" when none); read before the buffer is reused. */
  String query() {
    int q = indexOf(buf, targetStart, targetEnd, (byte) '?');
    if (q < 0) {
      return "";
    }
    int end = q;
    while (end < targetEnd && buf[end] != '#') {
      end++;
    }
    return latin1(buf, q, end);
  }
}
