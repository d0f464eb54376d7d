package dev.tako.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One visitor connection and the request on it (one at a time; pipelined requests wait in the
 * buffer): reads the request head, lets {@link RequestTriage} decide what to do with it, and runs
 * the exchange through its legs: {@link LocalAnswers} when the proxy answers itself (errors,
 * redirects, ACME, static files), {@link UpstreamLeg} to connect an instance and stream the
 * request, {@link ResponseLeg} to stream the answer back. After {@code 101 Switching Protocols}
 * both directions become a plain byte pipe. Memory per connection is two fixed buffers.
 *
 * <p>Failures become short answers when the response has not started (400 malformed or not HTTP at
 * all, 404 unknown host, 408 head too slow, 503 no instance, 413 body over the limit, 429 client
 * over its limit, 502 app refused, failed or switched protocols unasked, 504 connect or read
 * timeout; details in the log with the request id); after that the connection is cut. The loop's
 * sweep enforces the deadlines ({@link HeadDeadline}: head, TLS handshake) and closes idle
 * connections.
 *
 * <p>Before routing to an instance (and before any cold start), a GET or HEAD for a file under the
 * release's {@code public/} is answered from the file ({@link StaticFiles}); text responses are
 * gzipped for clients that accept it ({@link GzipEncoder}); a client over its concurrent-request
 * limit gets 429 ({@link ClientLimits}); every routed request is counted in {@link ProxyMetrics}.
 */
final class ProxyConnection implements EventLoop.Handler {
  static final Logger LOG = LoggerFactory.getLogger(TcpProxy.class);
  static final int BUFFER = 16 * 1024;
  private static final long LINGER_NANOS = 2_000_000_000L;

  enum State {
    /** Waiting for (the rest of) a request head. */
    HEAD,
    CONNECTING,
    FORWARDING,
    /** Writing the proxy's own answer. */
    LOCAL,
    /** After 101: bytes both ways until both sides close. */
    PIPE,
    /** Waiting for the cold start of an app scaled to zero (see {@link ColdStarts}). */
    PARKED,
    /** A channel subscription (see {@link ChannelStream}): until the visitor or the node closes. */
    CHANNEL,
    /** Answer sent, output shut: discarding what the visitor still sends, then closing. */
    LINGER,
    CLOSED
  }

  final SocketChannel client;
  SelectionKey key;

  /** The visitor's TLS session on an HTTPS port, else null (plain HTTP). */
  final TlsChannel tls;

  /** "https" or "http", for X-Forwarded-Proto. */
  private final String proto;

  final EventLoop loop;
  final Pump request = new Pump(BUFFER);
  final Pump response = new Pump(BUFFER);
  final HttpHead requestHead;
  final HeadWriter responseOut = new HeadWriter(512);
  final String clientAddress;
  final UpstreamLeg upstreamLeg;
  final ResponseLeg responseLeg;
  final LocalAnswers local;
  private final ColdStartWait coldStart;
  final Forwarding forwarding;

  /** The channel subscription of this request, or null. */
  ChannelStream channel;

  State state = State.HEAD;
  private long lastActivity;
  private long stateSince;
  private final HeadDeadline deadline;

  Target target;

  String requestId;
  boolean closeAfter;
  boolean headRequest;
  boolean requestDone;
  boolean responseStarted;
  boolean clientOutputShut;

  // Per exchange: the client's slot in ClientLimits, the app's counters, the status answered.
  private AtomicInteger clientSlot;
  ProxyMetrics.App stats;
  long exchangeStart;
  int status;
  boolean gzipAccepted;

  ProxyConnection(EventLoop loop, SocketChannel client) throws IOException {
    this.loop = loop;
    this.client = client;
    this.clientAddress =
        ((InetSocketAddress) client.getRemoteAddress()).getAddress().getHostAddress();
    this.lastActivity = loop.now;
    this.requestHead = new HttpHead(loop.settings.headLimits());
    this.deadline = new HeadDeadline(loop.now);
    this.upstreamLeg = new UpstreamLeg(this);
    this.responseLeg = new ResponseLeg(this);
    this.local = new LocalAnswers(this);
    this.coldStart = new ColdStartWait(this);
    this.forwarding = new Forwarding(this);
    javax.net.ssl.SSLContext context = loop.sslContext;
    if (forwarding.hopped) {
      // The node-to-node listener: only peers with a certificate of the cluster CA get in.
      context = loop.routes.failover().tls();
      if (context == null) {
        throw new IOException("no cluster TLS context for the node-to-node listener");
      }
    }
    if (context != null) {
      SSLEngine engine = context.createSSLEngine();
      engine.setUseClientMode(false);
      engine.setNeedClientAuth(forwarding.hopped);
      tls = new TlsChannel(client, engine, loop.handshakeTasks);
      tls.onTasksDone = () -> loop.execute(this::afterHandshakeTasks);
      proto = "https";
      request.src = tls;
      response.dst = tls;
    } else {
      tls = null;
      proto = "http";
      request.src = client;
      response.dst = client;
    }
  }

  // ----- events

  @Override
  public void ready(SelectionKey k) throws IOException {
    lastActivity = loop.now;
    int ops = k.readyOps();
    if (tls != null && (ops & SelectionKey.OP_WRITE) != 0 && tls.hasPendingOutput()) {
      if (!tls.flush()) {
        return;
      }
      Pump.off(key, SelectionKey.OP_WRITE);
      // Whatever waited for these bytes (a handshake step, a reply to the visitor's close) goes on.
      ops |= SelectionKey.OP_READ;
    }
    if (state == State.CHANNEL) {
      channel.ready(ops);
      return;
    }
    if ((ops & SelectionKey.OP_WRITE) != 0) {
      if (state == State.FORWARDING || state == State.PIPE || state == State.LOCAL) {
        responseLeg.drive();
      }
    }
    if ((ops & SelectionKey.OP_READ) != 0 && state != State.CLOSED) {
      switch (state) {
        case HEAD -> readHead();
        case FORWARDING, PIPE -> {
          if (!requestDone) {
            upstreamLeg.driveRequest();
          } else {
            Pump.off(key, SelectionKey.OP_READ);
          }
        }
        case LINGER -> {
          if (loop.discard(client) < 0) {
            close();
          }
        }
        default -> Pump.off(key, SelectionKey.OP_READ);
      }
    }
  }

  void onUpstream(UpstreamConnection c, int ops) {
    lastActivity = loop.now;
    if (c != upstreamLeg.upstream) {
      c.close();
      return;
    }
    if (state == State.CONNECTING) {
      if ((ops & SelectionKey.OP_CONNECT) != 0) {
        upstreamLeg.finishConnect();
      } else if (c.handshaking()) {
        upstreamLeg.handshake();
      }
      return;
    }
    if ((ops & SelectionKey.OP_WRITE) != 0 && requestDone && c.tls != null) {
      // A peer's TLS session has bytes of its own to send (a key update, a close).
      try {
        if (c.tls.flush()) {
          Pump.off(c.key, SelectionKey.OP_WRITE);
        }
      } catch (IOException e) {
        upstreamLeg.failed(e);
        return;
      }
    }
    if ((ops & SelectionKey.OP_WRITE) != 0 && !requestDone) {
      upstreamLeg.driveRequest();
    }
    if ((ops & SelectionKey.OP_READ) != 0 && upstreamLeg.upstream == c) {
      responseLeg.readable(c);
    }
  }

  void sweep(long now) {
    long silent = now - lastActivity;
    switch (state) {
      case HEAD -> {
        if (tls != null
            && !handshaken()
            && deadline.handshakeExpired(now, loop.tlsHandshakeTimeout)) {
          LOG.debug("TLS handshake from {} timed out", clientAddress);
          close();
        } else if (deadline.headExpired(now, loop.headerTimeout)) {
          headTimedOut();
        } else if (silent > loop.idleTimeout) {
          close();
        } else if (loop.draining
            && !request.buffered()
            && silent > DRAIN_QUIET_NANOS
            && now - loop.drainSince > DRAIN_QUIET_NANOS) {
          // The node process is being replaced and this keep-alive connection is quiet.
          close();
        }
      }
      case LOCAL -> {
        if (silent > loop.idleTimeout) {
          close();
        }
      }
      case PIPE -> {
        if (silent > loop.upgradedIdleTimeout) {
          close();
        }
      }
      case CONNECTING -> {
        if (now - stateSince > loop.connectTimeout) {
          upstreamLeg.stopWaiting();
          LOG.warn(
              "Upstream {} of {} timed out connecting ({})",
              upstreamLeg.instance,
              target.appKey(),
              requestId);
          upstreamLeg.drop();
          if (!forwarding.afterFailure(false, "timed out connecting")) {
            local.answer(504, "Gateway Timeout");
          }
        }
      }
      case FORWARDING -> {
        if (silent > loop.readTimeout) {
          LOG.warn(
              "Upstream {} of {} timed out ({})", upstreamLeg.instance, target.appKey(), requestId);
          if (responseStarted) {
            close();
          } else {
            upstreamLeg.drop();
            if (!forwarding.afterFailure(true, "timed out")) {
              local.answer(504, "Gateway Timeout");
            }
          }
        }
      }
      case CHANNEL -> channel.sweep(now);
      case LINGER -> {
        if (now - stateSince > LINGER_NANOS) {
          close();
        }
      }
      default -> {}
    }
  }

  /** How long a keep-alive connection may stay quiet once its node process is being replaced. */
  private static final long DRAIN_QUIET_NANOS = 1_000_000_000L;

  /**
   * The node process is being replaced: an answer not begun yet says {@code Connection: close} and
   * the connection ends after it (the next exchanges do so from {@link EventLoop#draining}).
   */
  void drainRequested() {
    if ((state == State.CONNECTING || state == State.FORWARDING || state == State.PARKED)
        && !responseStarted) {
      closeAfter = true;
    }
  }

  /** A queued request may now try to connect (see {@link EventLoop#uncounted}). */
  void resume() {
    upstreamLeg.resume();
  }

  /** A queued request gets a connection another request just released. */
  void handOver(UpstreamConnection c) {
    upstreamLeg.handOver(c);
  }

  private boolean handshaken() {
    return deadline.anyByte() || tls.handshaken();
  }

  /** The request head did not arrive in time: 408 (when the visitor can read it), then close. */
  private void headTimedOut() {
    if (tls != null && !handshaken()) {
      close();
      return;
    }
    LOG.debug("Request head from {} timed out", clientAddress);
    deadline.stop();
    refuseHead(408, "Request Timeout");
  }

  /**
   * Answers a head that will not be read (too slow, too large, not HTTP) and closes after: the
   * visitor's further bytes are drained for a moment so that it sees the answer, not a reset.
   */
  private void refuseHead(int status, String reason) {
    headRequest = false;
    requestId = ForwardedHeaders.requestId((String) null);
    closeAfter = true;
    requestDone = false;
    local.answer(status, reason);
  }

  /**
   * Whether {@code b} may start a request head: a method's first character, or the empty line RFC
   * 9112 §2.2 lets a server skip. Never a control byte or non-ASCII (a TLS record starts 0x16).
   */
  static boolean mayStartRequest(byte b) {
    return b == '\r' || b == '\n' || (b > 0x20 && b < 0x7f);
  }

  void enter(State next) {
    state = next;
    stateSince = loop.now;
  }

  /** Offloaded handshake steps ended: go on with the handshake (and the first request). */
  private void afterHandshakeTasks() {
    if (state != State.HEAD) {
      return;
    }
    lastActivity = loop.now;
    readHead();
  }

  // ----- request head and triage

  private void readHead() {
    HeadLimits limits = loop.settings.headLimits();
    for (; ; ) {
      if (request.buffered()) {
        deadline.bytes(loop.now);
        if (tls == null && !mayStartRequest(request.buf[request.start])) {
          // A TLS ClientHello (0x16) or other binary on the plain port: no head will ever end.
          LOG.debug("Not an HTTP request from {} on a plain port", clientAddress);
          refuseHead(400, "Bad Request");
          return;
        }
        int end = HttpHead.end(request.buf, request.start, request.end);
        if (end >= 0) {
          startExchange(end);
          return;
        }
        HeadReject reject = HttpHead.incomplete(request.buf, request.start, request.end, limits);
        if (reject != null) {
          refuse(reject);
          return;
        }
        if (request.full()) {
          // A head over the usual buffer (big cookies): room up to the limit, for this connection.
          request.grow(limits.maxHead() + 1);
        }
      }
      int n = request.fill();
      if (n < 0) {
        close();
        return;
      }
      if (n == 0) {
        if (tls == null || !tls.busy()) {
          Pump.on(key, SelectionKey.OP_READ);
        }
        return;
      }
    }
  }

  /**
   * A head the parser refused: its status (400, 414, 431, 501, 505), then the connection closes
   * (after draining what the visitor still sends), since what follows cannot be framed.
   */
  private void refuse(HeadReject reject) {
    refuseHead(reject.status(), reject.phrase());
    LOG.info("Refused a request from {}: {} ({})", clientAddress, reject.reason(), requestId);
  }

  private void startExchange(int headEnd) {
    boolean parsed = requestHead.parseRequest(request.buf, request.start, headEnd);
    request.start = headEnd;
    deadline.stop();
    headRequest = false;
    responseStarted = false;
    responseLeg.reset(parsed && requestHead.upgrade());
    if (!parsed) {
      refuse(requestHead.reject());
      return;
    }
    requestId = ForwardedHeaders.requestId(requestHead.clientRequestId());
    closeAfter = requestHead.closeRequested() || requestHead.http10() || loop.draining;
    headRequest = requestHead.headRequest();
    requestDone = !requestHead.hasBody();
    exchangeStart = loop.now;
    gzipAccepted = requestHead.acceptsGzip() && !requestHead.http10();
    forwarding.begin();
    if (forwarding.artifacts()) {
      return;
    }
    RequestTriage.Decision decision =
        RequestTriage.decide(
            new RequestTriage.Request(
                requestHead.host(),
                requestHead.path(),
                requestHead.query(),
                requestHead.safeMethod(),
                requestHead.upgrade(),
                requestHead.contentLength()),
            loop.listener,
            loop.routes.current(),
            loop.settings.maxRequestBody());
    if (decision instanceof RequestTriage.Challenge challenge) {
      local.answer(200, "OK", null, challenge.keyAuthorization());
      return;
    }
    // A forwarded request was counted once, on the first node (SPEC §12).
    clientSlot = forwarding.hopped ? null : loop.clientLimits.acquire(clientAddress);
    if (clientSlot == null && !forwarding.hopped) {
      LOG.info("Client {} is over its concurrent request limit ({})", clientAddress, requestId);
      local.answer(429, "Too Many Requests", "Retry-After: 1", null);
      return;
    }
    if (decision.target() != null) {
      target = decision.target();
      stats = loop.metrics.app(target.appKey());
    }
    act(decision);
  }

  private void act(RequestTriage.Decision decision) {
    if (decision instanceof RequestTriage.Answer answer) {
      switch (answer.status()) {
        case 404 ->
            LOG.debug(
                "No route for host [{}] path [{}] ({})",
                requestHead.host(),
                requestHead.path(),
                requestId);
        case 503 -> {
          if (forwarding.instead("no ready instance here")) {
            return;
          }
          LOG.info("App {} has no ready instance ({})", target.appKey(), requestId);
        }
        case 413 ->
            LOG.info(
                "Request body of {} bytes over the limit for {} ({})",
                requestHead.contentLength(),
                target.appKey(),
                requestId);
        default -> {}
      }
      local.answer(answer.status(), answer.reason(), answer.header(), null);
    } else if (decision instanceof RequestTriage.Channel) {
      channel = new ChannelStream(this);
      channel.start();
    } else if (decision instanceof RequestTriage.Static file) {
      if (!local.serveStatic()) {
        act(file.app());
      }
    } else {
      prepareForward();
      if (decision instanceof RequestTriage.ColdStart) {
        if (forwarding.instead("starting from zero here")) {
          // A warm peer serves it; the local start begins for the next ones.
          if (loop.coldStarts.enter(target.appKey())) {
            loop.coldStarts.leave(target.appKey());
          }
          return;
        }
        coldStart.park();
      } else {
        upstreamLeg.start(target.leastLoaded(loop.routes.inFlight()));
      }
    }
  }

  /**
   * Frames the request body and writes the head the app (or a peer) gets; before any byte of the
   * exchange moved, so it may be called again.
   */
  void prepareForward() {
    if (requestHead.chunked()) {
      request.framer.chunked();
    } else if (requestHead.contentLength() > 0) {
      request.framer.length(requestHead.contentLength());
    } else {
      request.framer.none();
    }
    request.limit = loop.settings.maxRequestBody();
    if (forwarding.hopped) {
      requestHead.writeHoppedRequest(upstreamLeg.requestOut, requestId);
    } else {
      requestHead.writeRequest(upstreamLeg.requestOut, clientAddress, proto, requestId);
    }
  }

  void startGzip(boolean chunkedInput) {
    GzipEncoder encoder = loop.takeEncoder();
    encoder.start(chunkedInput);
    response.gzip = encoder;
  }

  // ----- cold start

  /**
   * While parked, called by the loop every few milliseconds (see {@link ColdStartWait#recheck}).
   *
   * @return whether the request stopped waiting
   */
  boolean recheck() {
    return coldStart.recheck();
  }

  /** The cold start wait ended: the exchange goes on from here. */
  void resumed() {
    state = State.HEAD;
    lastActivity = loop.now;
  }

  // ----- end of an exchange

  /** Both directions of a forwarded exchange may be finished: recycle and read the next request. */
  void complete() {
    if (state != State.FORWARDING
        || !requestDone
        || !responseStarted
        || responseLeg.interim
        || !response.finished()) {
      return;
    }
    upstreamLeg.finish(responseLeg.upstreamReusable());
    next();
  }

  void localDone() {
    if (!closeAfter) {
      next();
    } else if (requestDone) {
      close();
    } else {
      // The request body was not read: shut our side and drain, so the visitor sees the answer
      // instead of a reset.
      enter(State.LINGER);
      request.start = 0;
      request.end = 0;
      try {
        shutdownClientOutput();
      } catch (IOException e) {
        close();
        return;
      }
      Pump.off(key, SelectionKey.OP_WRITE);
      Pump.on(key, SelectionKey.OP_READ);
    }
  }

  /** Counts the exchange that ended and frees what it held (client slot, encoder, file). */
  private void endExchange() {
    if (stats != null) {
      if (status != 0) {
        stats.request(status, loop.now - exchangeStart);
      }
      stats = null;
    }
    status = 0;
    if (clientSlot != null) {
      loop.clientLimits.release(clientAddress, clientSlot);
      clientSlot = null;
    }
    if (response.gzip != null) {
      loop.releaseEncoder(response.gzip);
      response.gzip = null;
    }
    if (response.file != null) {
      LocalAnswers.closeQuietly(response.file);
      response.file = null;
    }
  }

  private void next() {
    endExchange();
    if (closeAfter) {
      close();
      return;
    }
    state = State.HEAD;
    target = null;
    channel = null;
    deadline.stop();
    request.srcKey = key;
    request.dst = null;
    request.dstKey = null;
    response.src = null;
    response.srcKey = null;
    if (request.buffered() || (tls != null && tls.hasBufferedInput())) {
      readHead();
    } else {
      Pump.on(key, SelectionKey.OP_READ);
    }
  }

  // ----- closing

  private void shutdownClientOutput() throws IOException {
    if (tls != null) {
      tls.shutdownOutput();
    } else {
      client.shutdownOutput();
    }
  }

  /** After 101, the app's side ended: pass the end of stream on to the visitor. */
  void shutClientOutput() {
    clientOutputShut = true;
    try {
      shutdownClientOutput();
    } catch (IOException e) {
      close();
      return;
    }
    if (upstreamLeg.outputShut) {
      close();
    }
  }

  void close() {
    if (state == State.CLOSED) {
      return;
    }
    if (state == State.PARKED) {
      coldStart.leave();
    }
    state = State.CLOSED;
    if (channel != null) {
      channel.closed();
    }
    upstreamLeg.track(null);
    endExchange();
    upstreamLeg.stopWaiting();
    upstreamLeg.drop();
    if (tls != null) {
      tls.goodbye();
    }
    try {
      client.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    loop.closed(this);
  }
}
