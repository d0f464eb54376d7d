package dev.tako.proxy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses one HTTP/1.x message head in place (request or response) and rewrites it for the other
 * side: only what routing and framing need is turned into values (request line, Host, framing,
 * Connection, Upgrade, Expect, X-Request-ID, X-Forwarded-For); every other header line is copied as
 * bytes. Hop-by-hop headers (RFC 9110 §7.6.1, plus those a Connection header names) are dropped;
 * {@code Transfer-Encoding} and {@code Content-Length} are kept because bodies are forwarded with
 * their framing unchanged. One instance per connection and direction, reused; not thread-safe.
 *
 * <p>Fails by returning false from {@code parse*} (malformed start line or headers, conflicting
 * framing); the caller answers 400/502.
 */
final class HttpHead {
  static final int MAX_HEADERS = 128;

  // Header kinds.
  private static final int OTHER = 0;
  private static final int DROP = 1;
  private static final int HOST = 2;
  private static final int CONTENT_LENGTH = 3;
  private static final int TRANSFER_ENCODING = 4;
  private static final int CONNECTION = 5;
  private static final int UPGRADE = 6;
  private static final int EXPECT = 7;
  private static final int X_REQUEST_ID = 8;
  private static final int X_FORWARDED_FOR = 9;
  private static final int X_FORWARDED = 10;
  // Copied like OTHER, but remembered by index for gzip and static files (see interpret).
  private static final int ACCEPT_ENCODING = 11;
  private static final int CONTENT_TYPE = 12;
  private static final int CONTENT_ENCODING = 13;
  private static final int CACHE_CONTROL = 14;
  private static final int ETAG = 15;
  private static final int IF_NONE_MATCH = 16;
  private static final int CONTENT_RANGE = 17;
  private static final int RANGE = 18;
  private static final int IF_RANGE = 19;

  private static final byte[] H_XFF = bytes("X-Forwarded-For");
  private static final byte[] H_XFP = bytes("X-Forwarded-Proto");
  private static final byte[] H_XFH = bytes("X-Forwarded-Host");
  private static final byte[] H_RID = bytes("X-Request-ID");
  private static final byte[] H_UPGRADE = bytes("Upgrade");
  private static final byte[] H_CONNECTION = bytes("Connection");
  private static final byte[] COMMA = bytes(", ");
  private static final byte[] COLON_SP = bytes(": ");
  private static final byte[] H_TE = bytes("Transfer-Encoding");
  private static final byte[] H_CE = bytes("Content-Encoding");
  private static final byte[] H_VARY = bytes("Vary");
  private static final byte[] H_ETAG = bytes("ETag");
  private static final byte[] WEAK = bytes("W/");

  private final int[] nameStart = new int[MAX_HEADERS];
  private final int[] nameEnd = new int[MAX_HEADERS];
  private final int[] valueStart = new int[MAX_HEADERS];
  private final int[] valueEnd = new int[MAX_HEADERS];
  private final int[] kind = new int[MAX_HEADERS];
  private int headers;
  private byte[] buf;
  private int lineStart;
  private int lineEnd;
  private List<String> connectionTokens;
  private byte[] lastHostBytes;
  private String lastHost;

  // Request line / status line.
  private boolean http10;
  private boolean headRequest;
  private boolean safeMethod;
  private int status;
  private String path;
  private int queryStart = -1;
  private int queryEnd;

  // Values.
  private String host;
  private long contentLength;
  private boolean chunked;
  private boolean badTransferEncoding;
  private boolean transferCoded;
  private boolean close;
  private boolean keepAlive;
  private boolean connectionUpgrade;
  private String upgrade;
  private boolean expectContinue;
  private String requestId;
  private boolean hasForwardedFor;

  // Index of the first header line of some kinds, or -1.
  private int acceptEncoding;
  private int contentType;
  private int contentEncoding;
  private int cacheControl;
  private int etag;
  private int ifNoneMatch;
  private int contentRange;
  private int range;
  private int ifRange;

  /**
   * Where the head starting at {@code from} ends (index after its blank line), or -1 when {@code
   * buf[scanFrom, to)} does not complete it yet.
   */
  static int end(byte[] buf, int scanFrom, int to) {
    for (int i = scanFrom; i < to; i++) {
      if (buf[i] == '\n') {
        if (i + 1 < to && buf[i + 1] == '\n') {
          return i + 2;
        }
        if (i + 2 < to && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
          return i + 3;
        }
      }
    }
    return -1;
  }

  /** Parses a request head occupying {@code buf[from, to)} (as found by {@link #end}). */
  boolean parseRequest(byte[] buf, int from, int to) {
    if (!parseLines(buf, from, to)) {
      return false;
    }
    // METHOD SP target SP HTTP/1.x
    int sp1 = indexOf(buf, lineStart, lineEnd, (byte) ' ');
    int sp2 = sp1 < 0 ? -1 : indexOf(buf, sp1 + 1, lineEnd, (byte) ' ');
    if (sp1 <= lineStart || sp2 <= sp1 + 1 || lineEnd - sp2 != 9) {
      return false;
    }
    if (!startsWith(buf, sp2 + 1, "HTTP/1.")) {
      return false;
    }
    http10 = buf[lineEnd - 1] == '0';
    headRequest = sp1 - lineStart == 4 && startsWith(buf, lineStart, "HEAD");
    safeMethod = headRequest || (sp1 - lineStart == 3 && startsWith(buf, lineStart, "GET"));
    path = path(buf, sp1 + 1, sp2);
    queryStart = indexOf(buf, sp1 + 1, sp2, (byte) '?');
    queryEnd = sp2;
    if (badTransferEncoding || (contentLength < -1)) {
      return false;
    }
    return true;
  }

  /** Parses a response head occupying {@code buf[from, to)}. */
  boolean parseResponse(byte[] buf, int from, int to) {
    if (!parseLines(buf, from, to)) {
      return false;
    }
    // HTTP/1.x SP 3DIGIT [SP reason]
    if (lineEnd - lineStart < 12 || !startsWith(buf, lineStart, "HTTP/1.")) {
      return false;
    }
    http10 = buf[lineStart + 7] == '0';
    int s = lineStart + 9;
    status = 0;
    for (int i = s; i < s + 3; i++) {
      int d = buf[i] - '0';
      if (d < 0 || d > 9) {
        return false;
      }
      status = status * 10 + d;
    }
    return contentLength >= -1;
  }

  private boolean parseLines(byte[] buf, int from, int to) {
    this.buf = buf;
    headers = 0;
    connectionTokens = null;
    host = null;
    contentLength = -1;
    chunked = false;
    badTransferEncoding = false;
    transferCoded = false;
    close = false;
    keepAlive = false;
    connectionUpgrade = false;
    upgrade = null;
    expectContinue = false;
    requestId = null;
    hasForwardedFor = false;
    acceptEncoding = -1;
    contentType = -1;
    contentEncoding = -1;
    cacheControl = -1;
    etag = -1;
    ifNoneMatch = -1;
    contentRange = -1;
    range = -1;
    ifRange = -1;
    int i = from;
    // Tolerate empty lines before the start line (RFC 9112 §2.2).
    while (i < to && (buf[i] == '\r' || buf[i] == '\n')) {
      i++;
    }
    lineStart = i;
    int eol = indexOf(buf, i, to, (byte) '\n');
    if (eol < 0) {
      return false;
    }
    lineEnd = eol > i && buf[eol - 1] == '\r' ? eol - 1 : eol;
    i = eol + 1;
    while (i < to) {
      eol = indexOf(buf, i, to, (byte) '\n');
      int end = eol > i && buf[eol - 1] == '\r' ? eol - 1 : eol;
      if (end == i) {
        return true; // the blank line
      }
      if (buf[i] == ' ' || buf[i] == '\t') {
        return false; // obsolete line folding
      }
      int colon = indexOf(buf, i, end, (byte) ':');
      if (colon <= i || headers == MAX_HEADERS) {
        return false;
      }
      int vs = colon + 1;
      while (vs < end && (buf[vs] == ' ' || buf[vs] == '\t')) {
        vs++;
      }
      int ve = end;
      while (ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t')) {
        ve--;
      }
      int h = headers++;
      nameStart[h] = i;
      nameEnd[h] = colon;
      valueStart[h] = vs;
      valueEnd[h] = ve;
      kind[h] = classify(buf, i, colon);
      if (!interpret(h)) {
        return false;
      }
      i = eol + 1;
    }
    return false;
  }

  private boolean interpret(int h) {
    int vs = valueStart[h];
    int ve = valueEnd[h];
    switch (kind[h]) {
      case HOST -> host = host(vs, ve);
      case CONTENT_LENGTH -> {
        long value = 0;
        if (vs == ve || ve - vs > 18) {
          return false;
        }
        for (int i = vs; i < ve; i++) {
          int d = buf[i] - '0';
          if (d < 0 || d > 9) {
            return false;
          }
          value = value * 10 + d;
        }
        if (contentLength >= 0 && contentLength != value) {
          return false;
        }
        contentLength = value;
      }
      case TRANSFER_ENCODING -> {
        // Only "chunked" as the final coding frames a body we can follow.
        String value = latin1(vs, ve).toLowerCase(Locale.ROOT);
        chunked = value.endsWith("chunked");
        badTransferEncoding = !chunked;
        transferCoded |= !value.equals("chunked");
      }
      case CONNECTION -> {
        for (String token : latin1(vs, ve).split(",")) {
          String t = token.trim().toLowerCase(Locale.ROOT);
          switch (t) {
            case "close" -> close = true;
            case "keep-alive" -> keepAlive = true;
            case "upgrade" -> connectionUpgrade = true;
            case "" -> {}
            default -> {
              if (connectionTokens == null) {
                connectionTokens = new ArrayList<>(2);
              }
              connectionTokens.add(t);
            }
          }
        }
      }
      case UPGRADE -> upgrade = latin1(vs, ve);
      case EXPECT -> expectContinue = true;
      case X_REQUEST_ID -> {
        if (requestId == null) {
          requestId = latin1(vs, ve);
        }
      }
      case X_FORWARDED_FOR -> hasForwardedFor = true;
      case ACCEPT_ENCODING -> acceptEncoding = remember(acceptEncoding, h);
      case CONTENT_TYPE -> contentType = remember(contentType, h);
      case CONTENT_ENCODING -> contentEncoding = remember(contentEncoding, h);
      case CACHE_CONTROL -> cacheControl = remember(cacheControl, h);
      case ETAG -> etag = remember(etag, h);
      case IF_NONE_MATCH -> ifNoneMatch = remember(ifNoneMatch, h);
      case CONTENT_RANGE -> contentRange = remember(contentRange, h);
      case RANGE -> range = remember(range, h);
      case IF_RANGE -> ifRange = remember(ifRange, h);
      default -> {}
    }
    return true;
  }

  /** Keeps the first line of a remembered kind; the line itself is copied like any other. */
  private int remember(int first, int h) {
    kind[h] = OTHER;
    return first >= 0 ? first : h;
  }

  // ----- request accessors

  String host() {
    return host == null ? "" : host;
  }

  String path() {
    return path;
  }

  /**
   * The query of the request target with its "?" ("" when none), read from the buffer the head was
   * parsed from: call it before that buffer is reused.
   */
  String query() {
    if (queryStart < 0) {
      return "";
    }
    int end = queryStart;
    while (end < queryEnd && buf[end] != '#') {
      end++;
    }
    return latin1(queryStart, end);
  }

  boolean http10() {
    return http10;
  }

  /** GET or HEAD: safe to send again to another instance when the first failed before answering. */
  boolean safeMethod() {
    return safeMethod;
  }

  boolean headRequest() {
    return headRequest;
  }

  /** Declared Content-Length, or -1. */
  long contentLength() {
    return chunked ? -1 : contentLength;
  }

  boolean chunked() {
    return chunked;
  }

  /** The request has a body to forward. */
  boolean hasBody() {
    return chunked || contentLength > 0;
  }

  /** The sender wants the connection closed after this message (explicitly or by HTTP/1.0). */
  boolean closeRequested() {
    return close || (http10 && !keepAlive);
  }

  /** An upgrade (e.g. WebSocket) was asked for or, in a 101 response, agreed to. */
  boolean upgrade() {
    return upgrade != null && connectionUpgrade;
  }

  boolean expectContinue() {
    return expectContinue;
  }

  String clientRequestId() {
    return requestId;
  }

  int status() {
    return status;
  }

  /** The response has no body whatever its headers say (RFC 9112 §6.3). */
  boolean bodylessStatus() {
    return (status >= 100 && status < 200) || status == 204 || status == 304;
  }

  /** A response whose body was neither chunked nor sized: it ends when the connection closes. */
  boolean badTransferEncoding() {
    return badTransferEncoding;
  }

  // ----- content negotiation (gzip, static files)

  /** The request's Accept-Encoding accepts gzip (q > 0, by name or by "*"). */
  boolean acceptsGzip() {
    if (acceptEncoding < 0) {
      return false;
    }
    int gzip = -1; // -1 not named, 0 refused, 1 accepted
    int star = -1;
    int i = valueStart[acceptEncoding];
    int e = valueEnd[acceptEncoding];
    while (i < e) {
      int comma = indexOf(buf, i, e, (byte) ',');
      int itemEnd = comma < 0 ? e : comma;
      int semi = indexOf(buf, i, itemEnd, (byte) ';');
      int ns = skipSpace(i, itemEnd);
      int ne = trimEnd(ns, semi < 0 ? itemEnd : semi);
      int accepted = semi < 0 ? 1 : qPositive(semi + 1, itemEnd) ? 1 : 0;
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
  private boolean qPositive(int s, int e) {
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

  private int skipSpace(int i, int e) {
    while (i < e && (buf[i] == ' ' || buf[i] == '\t')) {
      i++;
    }
    return i;
  }

  private int trimEnd(int s, int e) {
    while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\t')) {
      e--;
    }
    return e;
  }

  /**
   * The response's Content-Type is text worth compressing (text/*, JSON, JavaScript, XML, SVG…),
   * and not a stream of server-sent events.
   */
  boolean compressibleType() {
    return contentType >= 0
        && ContentTypes.compressible(buf, valueStart[contentType], valueEnd[contentType]);
  }

  /** The response already has a content coding other than identity. */
  boolean encoded() {
    if (contentEncoding < 0) {
      return false;
    }
    int s = valueStart[contentEncoding];
    int e = valueEnd[contentEncoding];
    return !(e == s || (e - s == 8 && is(buf, s, "identity")));
  }

  /** Cache-Control forbids changing the body ({@code no-transform}). */
  boolean noTransform() {
    return cacheControl >= 0
        && containsIgnoreCase(valueStart[cacheControl], valueEnd[cacheControl], "no-transform");
  }

  /** A transfer coding besides chunked (e.g. "gzip, chunked"): the body is not re-encoded. */
  boolean transferCoded() {
    return transferCoded;
  }

  /** The request's Range value (first line), or null. */
  String range() {
    return range < 0 ? null : latin1(valueStart[range], valueEnd[range]);
  }

  /** The request's If-Range value (an entity tag or a date), or null. */
  String ifRange() {
    return ifRange < 0 ? null : latin1(valueStart[ifRange], valueEnd[ifRange]);
  }

  /** A partial response (Content-Range): never re-encoded. */
  boolean hasContentRange() {
    return contentRange >= 0;
  }

  /**
   * If-None-Match names {@code tag} (weak comparison, RFC 9110 §13.1.2) or is "*".
   *
   * @param tag a quoted entity tag without W/
   */
  boolean noneMatchHits(String tag) {
    if (ifNoneMatch < 0) {
      return false;
    }
    int i = valueStart[ifNoneMatch];
    int e = valueEnd[ifNoneMatch];
    while (i < e) {
      int comma = indexOf(buf, i, e, (byte) ',');
      int itemEnd = comma < 0 ? e : comma;
      int s = skipSpace(i, itemEnd);
      int t = trimEnd(s, itemEnd);
      if (t - s == 1 && buf[s] == '*') {
        return true;
      }
      if (t - s > 2 && buf[s] == 'W' && buf[s + 1] == '/') {
        s += 2;
      }
      if (t - s == tag.length() && startsWith(buf, s, tag)) {
        return true;
      }
      i = itemEnd + 1;
    }
    return false;
  }

  private boolean weak(int s, int e) {
    return e - s >= 2 && buf[s] == 'W' && buf[s + 1] == '/';
  }

  private boolean containsIgnoreCase(int s, int e, String lower) {
    for (int i = s; i + lower.length() <= e; i++) {
      if (is(buf, i, lower)) {
        return true;
      }
    }
    return false;
  }

  // ----- rewriting

  /**
   * The request head for the app: start line as received, headers minus hop-by-hop and the
   * forwarding headers, then X-Forwarded-For (client appended), -Proto, -Host and X-Request-ID.
   */
  void writeRequest(HeadWriter out, String clientAddress, String proto, String id) {
    out.reset().append(buf, lineStart, lineEnd).crlf();
    int forwardedFor = -1;
    for (int h = 0; h < headers; h++) {
      int k = kind[h];
      if (k == X_FORWARDED_FOR) {
        forwardedFor = h;
        continue;
      }
      if (k == OTHER
          || k == HOST
          || k == EXPECT
          || k == TRANSFER_ENCODING
          || (k == CONTENT_LENGTH && !chunked)) {
        copyUnlessNamed(out, h);
      }
    }
    if (upgrade()) {
      out.header(H_UPGRADE, upgrade).header(H_CONNECTION, "upgrade");
    }
    out.append(H_XFF).append(COLON_SP);
    if (forwardedFor >= 0) {
      boolean first = true;
      for (int h = 0; h < headers; h++) {
        if (kind[h] == X_FORWARDED_FOR && valueEnd[h] > valueStart[h]) {
          if (!first) {
            out.append(COMMA);
          }
          out.append(buf, valueStart[h], valueEnd[h]);
          first = false;
        }
      }
      if (!first) {
        out.append(COMMA);
      }
    }
    out.ascii(clientAddress).crlf();
    out.header(H_XFP, proto);
    if (host != null && !host.isEmpty()) {
      out.header(H_XFH, host);
    }
    out.header(H_RID, id).crlf();
  }

  /**
   * The response head for the visitor: status line as received, headers minus hop-by-hop ones and
   * the app's X-Request-ID, then the request's X-Request-ID and {@code Connection: close} when the
   * proxy closes after this response.
   */
  void writeResponse(HeadWriter out, String id, boolean closeAfter) {
    writeResponse(out, id, closeAfter, false);
  }

  /**
   * As above; with {@code gzip} the body is re-encoded by the proxy: Content-Length and
   * Transfer-Encoding give way to {@code Transfer-Encoding: chunked} and {@code Content-Encoding:
   * gzip}, a strong ETag becomes weak, and {@code Vary: Accept-Encoding} is added.
   */
  void writeResponse(HeadWriter out, String id, boolean closeAfter, boolean gzip) {
    writeResponse(out, id, closeAfter, gzip, false);
  }

  /**
   * As above; {@code vary}: the body could have been gzipped for another client, so caches must
   * tell the forms apart ({@code Vary: Accept-Encoding}, also when not compressing).
   */
  void writeResponse(HeadWriter out, String id, boolean closeAfter, boolean gzip, boolean vary) {
    out.reset().append(buf, lineStart, lineEnd).crlf();
    for (int h = 0; h < headers; h++) {
      int k = kind[h];
      if (gzip && (k == CONTENT_LENGTH || k == TRANSFER_ENCODING)) {
        continue;
      }
      if (gzip && h == etag && !weak(valueStart[h], valueEnd[h])) {
        out.append(H_ETAG).append(COLON_SP).append(WEAK);
        out.append(buf, valueStart[h], valueEnd[h]).crlf();
        continue;
      }
      if (k == OTHER
          || k == HOST
          || k == EXPECT
          || k == TRANSFER_ENCODING
          || k == X_FORWARDED_FOR
          || k == X_FORWARDED
          || (k == CONTENT_LENGTH && !chunked)) {
        copyUnlessNamed(out, h);
      }
    }
    if (gzip) {
      out.header(H_TE, "chunked").header(H_CE, "gzip").header(H_VARY, "Accept-Encoding");
    } else if (vary) {
      out.header(H_VARY, "Accept-Encoding");
    }
    if (status == 101 && upgrade != null) {
      out.header(H_UPGRADE, upgrade).header(H_CONNECTION, "upgrade");
    } else if (closeAfter) {
      out.header(H_CONNECTION, "close");
    }
    out.header(H_RID, id).crlf();
  }

  private void copyUnlessNamed(HeadWriter out, int h) {
    if (connectionTokens != null
        && connectionTokens.contains(latin1(nameStart[h], nameEnd[h]).toLowerCase(Locale.ROOT))) {
      return;
    }
    out.append(buf, nameStart[h], valueEnd[h]).crlf();
  }

  // ----- helpers

  private static int classify(byte[] b, int s, int e) {
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
        return is(b, s, "if-range") ? IF_RANGE : OTHER;
      case 10:
        if (is(b, s, "connection")) {
          return CONNECTION;
        }
        return is(b, s, "keep-alive") ? DROP : OTHER;
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

  /** Case-insensitive ASCII comparison with a lowercase name of the same length. */
  private static boolean is(byte[] b, int s, String lower) {
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

  private static boolean startsWith(byte[] b, int s, String prefix) {
    for (int i = 0; i < prefix.length(); i++) {
      if (b[s + i] != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] b, int from, int to, byte c) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  /** Keep-alive connections repeat the same Host: reuse the String when the bytes match. */
  private String host(int s, int e) {
    byte[] last = lastHostBytes;
    if (last != null && last.length == e - s) {
      boolean same = true;
      for (int i = 0; i < last.length && same; i++) {
        same = last[i] == buf[s + i];
      }
      if (same) {
        return lastHost;
      }
    }
    byte[] copy = new byte[e - s];
    System.arraycopy(buf, s, copy, 0, copy.length);
    lastHostBytes = copy;
    lastHost = new String(copy, StandardCharsets.ISO_8859_1);
    return lastHost;
  }

  /** The path of an origin-form or absolute-form target, without the query. */
  private static String path(byte[] b, int s, int e) {
    int start = s;
    if (b[s] != '/') {
      // absolute-form: scheme://authority/path
      int scheme = indexOf(b, s, e, (byte) ':');
      if (scheme > 0 && scheme + 2 < e && b[scheme + 1] == '/' && b[scheme + 2] == '/') {
        int slash = indexOf(b, scheme + 3, e, (byte) '/');
        if (slash < 0) {
          return "/";
        }
        start = slash;
      } else {
        return "/";
      }
    }
    int end = start;
    while (end < e && b[end] != '?' && b[end] != '#') {
      end++;
    }
    return new String(b, start, end - start, StandardCharsets.ISO_8859_1);
  }

  private String latin1(int s, int e) {
    return new String(buf, s, e - s, StandardCharsets.ISO_8859_1);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
