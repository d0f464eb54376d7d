package dev.tako.proxy;

/**
 * One HTTP/1.1 message head as the connection sees it: found by {@link HeadBoundary}, parsed
 * strictly by {@link HeadParser}, negotiated by {@link ContentNegotiation} and {@link
 * ConditionalRequests}, written for the other side by {@link HeadRewriter}. A facade over those,
 * one instance per connection and direction, reused; not thread-safe.
 *
 * <p>Fails by returning false from {@code parse*}, with {@link #reject()} saying why (the status to
 * answer for a request: 400, 414, 431, 501 or 505; the caller answers 502 for a response); the
 * connection is closed after answering.
 */
final class HttpHead {
  private final HeadParser head;

  HttpHead() {
    this(HeadLimits.DEFAULTS);
  }

  HttpHead(HeadLimits limits) {
    head = new HeadParser(limits);
  }

  /** Where the head starting at {@code from} ends, or -1 (see {@link HeadBoundary#end}). */
  static int end(byte[] buf, int from, int to) {
    return HeadBoundary.end(buf, from, to);
  }

  /** What an incomplete head already breaks, or null (see {@link HeadBoundary#incomplete}). */
  static HeadReject incomplete(byte[] buf, int from, int to, HeadLimits limits) {
    return HeadBoundary.incomplete(buf, from, to, limits);
  }

  boolean parseRequest(byte[] buf, int from, int to) {
    return head.parseRequest(buf, from, to);
  }

  boolean parseResponse(byte[] buf, int from, int to) {
    return head.parseResponse(buf, from, to);
  }

  /** Drops the reference to the parsed buffer (a channel stream gave its buffers back). */
  void forget() {
    head.buf = null;
  }

  /** Why the last parse failed, or null after a success. */
  HeadReject reject() {
    return head.reject;
  }

  // ----- request

  String host() {
    return head.host == null ? "" : head.host;
  }

  String path() {
    return head.path();
  }

  /** The query with its "?" ("" when none), read from the parsed buffer: before it is reused. */
  String query() {
    return head.query();
  }

  boolean http10() {
    return head.http10;
  }

  /** GET or HEAD: safe to send again to another instance when the first failed before answering. */
  /** GET, HEAD, OPTIONS, PUT or DELETE. */
  boolean idempotentMethod() {
    return head.idempotentMethod;
  }

  boolean safeMethod() {
    return head.safeMethod;
  }

  boolean headRequest() {
    return head.headRequest;
  }

  /** Declared Content-Length, or -1. */
  long contentLength() {
    return head.chunked ? -1 : head.contentLength;
  }

  boolean chunked() {
    return head.chunked;
  }

  /** The request has a body to forward. */
  boolean hasBody() {
    return head.chunked || head.contentLength > 0;
  }

  /** The sender wants the connection closed after this message (explicitly or by HTTP/1.0). */
  boolean closeRequested() {
    return head.close || (head.http10 && !head.keepAlive);
  }

  /** An upgrade (e.g. WebSocket) was asked for or, in a 101 response, agreed to. */
  boolean upgrade() {
    return head.upgrade != null && head.connectionUpgrade;
  }

  /**
   * The value of header {@code lowerName} (several lines joined with {@code joiner}), or null; read
   * from the parsed buffer: before it is reused.
   */
  String header(String lowerName, String joiner) {
    String value = null;
    for (int h = 0; h < head.headers; h++) {
      if (Ascii.equalsIgnoreCase(head.buf, head.nameStart[h], head.nameEnd[h], lowerName)) {
        String v = Ascii.latin1(head.buf, head.valueStart[h], head.valueEnd[h]);
        value = value == null ? v : value + joiner + v;
      }
    }
    return value;
  }

  boolean expectContinue() {
    return head.expectContinue;
  }

  String clientRequestId() {
    return head.requestId;
  }

  boolean acceptsGzip() {
    return ContentNegotiation.acceptsGzip(head);
  }

  boolean noneMatchHits(String tag) {
    return ConditionalRequests.noneMatchHits(head, tag);
  }

  String range() {
    return ConditionalRequests.range(head);
  }

  String ifRange() {
    return ConditionalRequests.ifRange(head);
  }

  void writeRequest(HeadWriter out, String clientAddress, String proto, String id) {
    HeadRewriter.writeRequest(head, out, clientAddress, proto, id);
  }

  /**
   * The request head of a request a peer forwarded: its forwarding headers were written by the
   * first node for the visitor and are kept as they are (see {@link HeadRewriter#writeHopped}).
   */
  void writeHoppedRequest(HeadWriter out, String id) {
    HeadRewriter.writeHopped(head, out, id);
  }

  /**
   * The value of one of the proxy's own hop headers ({@code tako-hop}, {@code tako-replay}; lower
   * case), or null when absent. Only the proxy reads them: they never cross it.
   */
  String takoHeader(String lowerName) {
    if (head.first[HeaderKinds.TAKO] < 0) {
      return null;
    }
    for (int h = head.first[HeaderKinds.TAKO]; h < head.headers; h++) {
      if (head.kind[h] == HeaderKinds.TAKO
          && head.nameEnd[h] - head.nameStart[h] == lowerName.length()
          && Ascii.latin1(head.buf, head.nameStart[h], head.nameEnd[h])
              .equalsIgnoreCase(lowerName)) {
        return Ascii.latin1(head.buf, head.valueStart[h], head.valueEnd[h]).trim();
      }
    }
    return null;
  }

  // ----- response

  int status() {
    return head.status;
  }

  /** The response has no body whatever its headers say (RFC 9112 §6.3). */
  boolean bodylessStatus() {
    int status = head.status;
    return (status >= 100 && status < 200) || status == 204 || status == 304;
  }

  /** A response whose body was neither chunked nor sized: it ends when the connection closes. */
  boolean badTransferEncoding() {
    return head.transferEncoding && !head.chunked;
  }

  /** A transfer coding besides chunked (e.g. "gzip, chunked"): the body is not re-encoded. */
  boolean transferCoded() {
    return head.transferCoded;
  }

  boolean compressibleType() {
    return ContentNegotiation.compressibleType(head);
  }

  boolean encoded() {
    return ContentNegotiation.encoded(head);
  }

  boolean noTransform() {
    return ContentNegotiation.noTransform(head);
  }

  boolean hasContentRange() {
    return ContentNegotiation.hasContentRange(head);
  }

  void writeResponse(HeadWriter out, String id, boolean closeAfter) {
    writeResponse(out, id, closeAfter, false, false);
  }

  void writeResponse(HeadWriter out, String id, boolean closeAfter, boolean gzip) {
    writeResponse(out, id, closeAfter, gzip, false);
  }

  void writeResponse(HeadWriter out, String id, boolean closeAfter, boolean gzip, boolean vary) {
    HeadRewriter.writeResponse(head, out, id, closeAfter, gzip, vary);
  }
}
