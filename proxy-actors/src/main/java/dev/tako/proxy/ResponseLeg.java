package dev.tako.proxy;

import static dev.tako.proxy.ProxyConnection.LOG;

import java.nio.channels.SelectionKey;

/**
 * The response leg of one {@link ProxyConnection}'s exchange: reads the app's response head, passes
 * interim answers on, frames the body (length, chunked, until close, none for HEAD and bodiless
 * statuses), gzips it for a visitor who accepts it, and after a {@code 101} to a request that asked
 * for that upgrade (Upgrade with Connection: upgrade) turns both directions into a plain byte pipe.
 * It also drives the response pump for the proxy's own answers ({@link LocalAnswers}).
 *
 * <p>A malformed or oversized head, or a {@code 101} nobody asked for, becomes 502 with the
 * upstream connection closed; a body cut short after the head went out cuts the visitor's
 * connection. The upstream connection goes back to the pool only after a response framed by length
 * or chunks and read to its end with nothing after it, and a request sent completely before that
 * answer ended (see {@link #upstreamReusable}); anything else closes it.
 */
final class ResponseLeg {
  private final ProxyConnection c;
  private final EventLoop loop;
  private final HttpHead responseHead = new HttpHead();

  /** Passing on a 1xx: the final head is still to come. */
  boolean interim;

  /** The app's connection may serve another request once this answer is complete. */
  private boolean upstreamReusable;

  /**
   * The answer was complete while the request body was still on its way: the app answered without
   * reading it, and a lenient app may read the rest as its next request.
   */
  private boolean answeredEarly;

  /** The request asked for a protocol upgrade: a 101 turns the exchange into a pipe. */
  boolean upgradeRequested;

  ResponseLeg(ProxyConnection c) {
    this.c = c;
    this.loop = c.loop;
  }

  /** A new exchange starts: nothing of its answer is known yet. */
  void reset(boolean upgradeRequested) {
    this.upgradeRequested = upgradeRequested;
    interim = false;
    upstreamReusable = false;
    answeredEarly = false;
  }

  /** The answer will come from {@code upstream}. */
  void expect(UpstreamConnection upstream) {
    Pump response = c.response;
    response.src = upstream.io.in();
    response.srcKey = upstream.key;
    response.dstKey = c.key;
    response.start = 0;
    response.end = 0;
    response.srcEof = false;
    response.limit = Long.MAX_VALUE;
    response.framer.none();
    response.message(null);
  }

  /** The app's connection has bytes (or its end) for us. */
  void readable(UpstreamConnection upstream) {
    if (c.responseStarted
        && !interim
        && c.response.framer.done()
        && (c.state == ProxyConnection.State.FORWARDING || c.state == ProxyConnection.State.PIPE)) {
      // Answer complete (or the app's side of a pipe ended), request still streaming: nothing
      // to read until it is done.
      Pump.off(upstream.key, SelectionKey.OP_READ);
    } else if (c.responseStarted && !interim) {
      drive();
    } else {
      readHead();
    }
  }

  /**
   * Whether the upstream connection may go back to the pool now that the exchange is complete: the
   * app did not ask to close, the answer was framed (not "until close") and read exactly to its end
   * (no byte after it), and the request went out completely by its own framing before the answer
   * ended.
   */
  boolean upstreamReusable() {
    return upstreamReusable
        && !answeredEarly
        && !c.response.buffered()
        && !c.response.srcEof
        && c.response.framer.done()
        && c.requestDone
        && c.request.framer.done()
        && !c.request.framer.untilCloseMode();
  }

  private void readHead() {
    Pump response = c.response;
    for (; ; ) {
      if (response.buffered()) {
        int end = HttpHead.end(response.buf, response.start, response.end);
        if (end >= 0) {
          onHead(end);
          return;
        }
        if (response.full()) {
          LOG.warn(
              "Upstream {} of {} sent a head over {} bytes ({})",
              c.upstreamLeg.instance,
              c.target.appKey(),
              ProxyConnection.BUFFER,
              c.requestId);
          c.upstreamLeg.drop();
          c.local.answer(502, "Bad Gateway");
          return;
        }
      }
      int n = response.fill();
      if (n == Pump.FAILED) {
        c.upstreamLeg.failed(response.failure);
        return;
      }
      if (n < 0) {
        c.upstreamLeg.failed(null);
        return;
      }
      if (n == 0) {
        return;
      }
    }
  }

  private void onHead(int headEnd) {
    Pump response = c.response;
    HeadWriter out = c.responseOut;
    if (!responseHead.parseResponse(response.buf, response.start, headEnd)) {
      LOG.warn(
          "Upstream {} of {} sent a malformed head: {} ({})",
          c.upstreamLeg.instance,
          c.target.appKey(),
          responseHead.reject().reason(),
          c.requestId);
      c.upstreamLeg.drop();
      c.local.answer(502, "Bad Gateway");
      return;
    }
    response.start = headEnd;
    int status = responseHead.status();
    if (status >= 100 && status < 200 && status != 101) {
      // Interim (100 Continue): pass on, then read the final head.
      interim = true;
      responseHead.writeResponse(out, c.requestId, false);
      response.framer.none();
      response.message(out.buffer());
      drive();
      return;
    }
    interim = false;
    if (status == 101) {
      if (upgradeRequested) {
        c.responseStarted = true;
        c.status = status;
        startPipe();
      } else {
        // The app switched to a protocol nobody asked for: passed on, the visitor's next request
        // would be read by it, and pooled, the next visitor's.
        c.upstreamLeg.badGateway("switched protocols without an upgrade request");
      }
      return;
    }
    String replay = responseHead.takoHeader("tako-replay");
    if (replay != null && c.forwarding.replay(replay)) {
      return;
    }
    c.responseStarted = true;
    c.status = status;
    if (c.headRequest || responseHead.bodylessStatus()) {
      response.framer.none();
    } else if (responseHead.chunked()) {
      response.framer.chunked();
    } else if (responseHead.contentLength() >= 0) {
      response.framer.length(responseHead.contentLength());
    } else {
      response.framer.untilClose();
      c.closeAfter = true;
    }
    upstreamReusable = !responseHead.closeRequested() && !response.framer.untilCloseMode();
    boolean compressible = GzipEncoder.eligible(responseHead, c.headRequest);
    boolean gzip = c.gzipAccepted && compressible;
    responseHead.writeResponse(out, c.requestId, c.closeAfter, gzip, compressible);
    if (gzip) {
      c.startGzip(responseHead.chunked());
    }
    response.message(out.buffer());
    drive();
  }

  /** 101 to a request that asked for it: bytes both ways until both sides close. */
  private void startPipe() {
    c.state = ProxyConnection.State.PIPE;
    // The exchange is counted now; the pipe may live for hours (its client slot stays taken).
    if (c.stats != null) {
      c.stats.request(101, loop.now - c.exchangeStart);
      c.stats = null;
    }
    c.upstreamLeg.upstream.uncount();
    c.closeAfter = true;
    upstreamReusable = false;
    HeadWriter out = c.responseOut;
    responseHead.writeResponse(out, c.requestId, false);
    c.response.framer.untilClose();
    c.response.message(out.buffer());
    c.request.framer.untilClose();
    c.request.message(null);
    c.requestDone = false;
    drive();
    c.upstreamLeg.driveRequest();
  }

  /** Moves response bytes to the visitor, whoever wrote them (the app or the proxy itself). */
  void drive() {
    if (c.state == ProxyConnection.State.CLOSED) {
      return;
    }
    switch (c.response.pump()) {
      case Pump.DONE -> {
        if (c.state == ProxyConnection.State.LOCAL) {
          c.localDone();
        } else if (interim) {
          interim = false;
          readHead();
        } else if (c.state == ProxyConnection.State.PIPE) {
          c.shutClientOutput();
        } else {
          answeredEarly |= !c.requestDone;
          c.complete();
        }
      }
      case Pump.WANT_READ, Pump.WANT_WRITE -> {}
      case Pump.SRC_EOF, Pump.SRC_ERROR, Pump.MALFORMED -> {
        LOG.warn(
            "Upstream {} of {} cut its answer short ({})",
            c.upstreamLeg.instance,
            c.target.appKey(),
            c.requestId);
        c.close();
      }
      default -> c.close(); // the visitor went away
    }
  }
}
