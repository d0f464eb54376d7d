package dev.tako.proxy;

import dev.tako.proxy.tls.AcmeChallenges;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One visitor connection and the request on it (one at a time; pipelined requests wait in the
 * buffer): parses the request head, routes it through the latest {@link RouteSnapshot}, sends the
 * rewritten head and streams the body to an upstream connection from its loop's pool, then parses
 * the response head and streams the response back. After {@code 101 Switching Protocols} both
 * directions become a plain byte pipe. Memory per connection is two fixed buffers.
 *
 * <p>Failures become short answers when the response has not started (400 malformed, 404 unknown
 * host, 503 no instance, 413 body over the limit, 502 app refused or failed, 504 connect or read
 * timeout; details in the log with the request id); after that the connection is cut. A refused
 * connect is retried once on the next instance, a stale pooled connection once on a new one.
 *
 * <p>Before routing to an instance (and before any cold start), a GET or HEAD for a file under the
 * release's {@code public/} is answered from the file ({@link StaticFiles}); text responses are
 * gzipped for clients that accept it ({@link GzipEncoder}); a client over its concurrent-request
 * limit gets 429 ({@link ClientLimits}); every routed request is counted in {@link ProxyMetrics}.
 */
final class ProxyConnection implements EventLoop.Handler {
  private static final Logger LOG = LoggerFactory.getLogger(TcpProxy.class);
  private static final int BUFFER = 16 * 1024;
  private static final long LINGER_NANOS = 2_000_000_000L;
  private static final String ACME_PREFIX = "/.well-known/acme-challenge/";

  private enum State {
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

  private final EventLoop loop;
  private final Pump request = new Pump(BUFFER);
  private final Pump response = new Pump(BUFFER);
  private final HttpHead requestHead = new HttpHead();
  private final HttpHead responseHead = new HttpHead();
  private final HeadWriter requestOut = new HeadWriter(1024);
  private final HeadWriter responseOut = new HeadWriter(512);
  private final String clientAddress;

  private State state = State.HEAD;
  private long lastActivity;
  private long stateSince;
  private UpstreamConnection upstream;
  private Target target;
  private Upstream instance;

  /** The upstream this exchange is counted against in {@link InFlightCounts}, or null. */
  private Upstream counted;

  private boolean retried;

  /** Queued in the loop for a connection to {@link #instance}. */
  private boolean waiting;

  /** While PARKED: what the route is matched with again, and the app's failed starts then. */
  private String parkedHost;

  private String parkedPath;
  private long parkedFailures;

  private String requestId;
  private boolean closeAfter;
  private boolean headRequest;
  private boolean upgradeRequested;
  private boolean requestDone;
  private boolean responseStarted;
  private boolean interim;
  private boolean upstreamReusable;
  private boolean clientOutputShut;
  private boolean upstreamOutputShut;

  // Per exchange: the client's slot in ClientLimits, the app's counters, the status answered.
  private AtomicInteger clientSlot;
  private ProxyMetrics.App stats;
  private long exchangeStart;
  private int status;
  private boolean gzipAccepted;

  ProxyConnection(EventLoop loop, SocketChannel client) throws IOException {
    this.loop = loop;
    this.client = client;
    this.clientAddress =
        ((InetSocketAddress) client.getRemoteAddress()).getAddress().getHostAddress();
    this.lastActivity = loop.now;
    if (loop.sslContext != null) {
      SSLEngine engine = loop.sslContext.createSSLEngine();
      engine.setUseClientMode(false);
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
    if ((ops & SelectionKey.OP_WRITE) != 0) {
      if (state == State.FORWARDING || state == State.PIPE || state == State.LOCAL) {
        driveResponse();
      }
    }
    if ((ops & SelectionKey.OP_READ) != 0 && state != State.CLOSED) {
      switch (state) {
        case HEAD -> readHead();
        case FORWARDING, PIPE -> {
          if (!requestDone) {
            driveRequest();
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
    if (c != upstream) {
      c.close();
      return;
    }
    if (state == State.CONNECTING) {
      if ((ops & SelectionKey.OP_CONNECT) != 0) {
        finishConnect();
      }
      return;
    }
    if ((ops & SelectionKey.OP_WRITE) != 0 && !requestDone) {
      driveRequest();
    }
    if ((ops & SelectionKey.OP_READ) != 0 && upstream == c) {
      if (responseStarted
          && !interim
          && response.framer.done()
          && (state == State.FORWARDING || state == State.PIPE)) {
        // Answer complete (or the app's side of a pipe ended), request still streaming: nothing
        // to read until it is done.
        Pump.off(c.key, SelectionKey.OP_READ);
      } else if (responseStarted && !interim) {
        driveResponse();
      } else {
        readResponseHead();
      }
    }
  }

  void sweep(long now) {
    long silent = now - lastActivity;
    switch (state) {
      case HEAD, LOCAL -> {
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
          if (waiting) {
            waiting = false;
            loop.cancelWait(instance, this);
          }
          LOG.warn(
              "Upstream {} of {} timed out connecting ({})", instance, target.appKey(), requestId);
          dropUpstream();
          answer(504, "Gateway Timeout");
        }
      }
      case FORWARDING -> {
        if (silent > loop.readTimeout) {
          LOG.warn("Upstream {} of {} timed out ({})", instance, target.appKey(), requestId);
          if (responseStarted) {
            close();
          } else {
            dropUpstream();
            answer(504, "Gateway Timeout");
          }
        }
      }
      case LINGER -> {
        if (now - stateSince > LINGER_NANOS) {
          close();
        }
      }
      default -> {}
    }
  }

  /** Offloaded handshake steps ended: go on with the handshake (and the first request). */
  private void afterHandshakeTasks() {
    if (state != State.HEAD) {
      return;
    }
    lastActivity = loop.now;
    readHead();
  }

  // ----- request side

  private void readHead() {
    for (; ; ) {
      if (request.buffered()) {
        int end = HttpHead.end(request.buf, request.start, request.end);
        if (end >= 0) {
          startExchange(end);
          return;
        }
        if (request.full()) {
          headRequest = false;
          requestId = ForwardedHeaders.requestId((String) null);
          closeAfter = true;
          answer(431, "Request Header Fields Too Large");
          return;
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

  private void startExchange(int headEnd) {
    boolean parsed = requestHead.parseRequest(request.buf, request.start, headEnd);
    request.start = headEnd;
    headRequest = false;
    responseStarted = false;
    interim = false;
    retried = false;
    upstreamReusable = false;
    if (!parsed) {
      requestId = ForwardedHeaders.requestId((String) null);
      closeAfter = true;
      requestDone = true;
      answer(400, "Bad Request");
      return;
    }
    requestId = ForwardedHeaders.requestId(requestHead.clientRequestId());
    closeAfter = requestHead.closeRequested() || requestHead.http10();
    headRequest = requestHead.headRequest();
    upgradeRequested = requestHead.upgrade();
    requestDone = !requestHead.hasBody();
    exchangeStart = loop.now;
    gzipAccepted = requestHead.acceptsGzip() && !requestHead.http10();
    boolean acme = false;
    if (loop.listener instanceof ProxyListener.Plain plain
        && requestHead.path().startsWith(ACME_PREFIX)) {
      acme = true;
      if (plain.challenges() != AcmeChallenges.NONE && requestHead.safeMethod()) {
        String answer =
            plain.challenges().keyAuthorization(requestHead.path().substring(ACME_PREFIX.length()));
        if (answer != null) {
          answer(200, "OK", null, answer);
          return;
        }
      }
    }
    clientSlot = loop.clientLimits.acquire(clientAddress);
    if (clientSlot == null) {
      LOG.info("Client {} is over its concurrent request limit ({})", clientAddress, requestId);
      answer(429, "Too Many Requests", "Retry-After: 1", null);
      return;
    }
    Optional<Target> found = loop.routes.current().match(requestHead.host(), requestHead.path());
    if (found.isEmpty()) {
      LOG.debug(
          "No route for host [{}] path [{}] ({})",
          requestHead.host(),
          requestHead.path(),
          requestId);
      answer(404, "Not Found");
      return;
    }
    target = found.get();
    stats = loop.metrics.app(target.appKey());
    if (!acme
        && target.secure()
        && loop.listener instanceof ProxyListener.Plain plain
        && plain.httpsPort() > 0) {
      answer(307, "Temporary Redirect", "Location: " + httpsUrl(plain.httpsPort()), null);
      return;
    }
    if (target.publicDir() != null
        && requestHead.safeMethod()
        && !upgradeRequested
        && serveStatic()) {
      return;
    }
    if (target.isEmpty() && !target.cold()) {
      LOG.info("App {} has no ready instance ({})", target.appKey(), requestId);
      answer(503, "Service Unavailable");
      return;
    }
    long max = loop.settings.maxRequestBody();
    if (requestHead.contentLength() > max) {
      LOG.info(
          "Request body of {} bytes over the limit for {} ({})",
          requestHead.contentLength(),
          target.appKey(),
          requestId);
      answer(413, "Payload Too Large");
      return;
    }
    if (requestHead.chunked()) {
      request.framer.chunked();
    } else if (requestHead.contentLength() > 0) {
      request.framer.length(requestHead.contentLength());
    } else {
      request.framer.none();
    }
    request.limit = max;
    requestHead.writeRequest(requestOut, clientAddress, proto, requestId);
    if (target.isEmpty()) {
      park();
      return;
    }
    instance = target.leastLoaded(loop.routes.inFlight());
    track(instance);
    connect(false);
  }

  /**
   * Answers from a file under the app's {@code public/} when the path names one (see {@link
   * StaticFiles}): 200 streamed from the file (gzipped for text of 1 KiB or more when accepted),
   * 304 when If-None-Match names its ETag, 400 for a path that tries to leave the directory.
   *
   * @return false when the path is not a file there: the request goes to the app
   */
  private boolean serveStatic() {
    StaticFiles.Found found = StaticFiles.find(target.publicDir(), requestHead.path());
    if (found == null) {
      return false;
    }
    if (found == StaticFiles.REFUSED) {
      LOG.info(
          "Refused static path [{}] for {} ({})", requestHead.path(), target.appKey(), requestId);
      answer(400, "Bad Request");
      return true;
    }
    String type = ContentTypes.forFile(found.file().getFileName().toString());
    boolean variants = found.size() >= GzipEncoder.MIN_LENGTH && ContentTypes.compressible(type);
    boolean gzip = variants && gzipAccepted;
    String etag = StaticFiles.etag(found, gzip);
    boolean notModified = requestHead.noneMatchHits(etag);
    StaticFiles.ByteRange range = null;
    String rangeValue = requestHead.range();
    if (!notModified && rangeValue != null) {
      String identity = StaticFiles.etag(found, false);
      if (StaticFiles.ifRangeHolds(requestHead.ifRange(), identity)) {
        range = StaticFiles.range(rangeValue, found.size());
      }
      if (range == StaticFiles.UNSATISFIABLE) {
        stats.staticHits.increment();
        answer(416, "Range Not Satisfiable", "Content-Range: bytes */" + found.size(), null);
        return true;
      }
      if (range != null) {
        gzip = false; // a part of the file as stored, never of its gzip form
        etag = identity;
      }
    }
    FileChannel file = null;
    if (!notModified && !headRequest && found.size() > 0) {
      try {
        file = FileChannel.open(found.file(), StandardOpenOption.READ);
        if (range != null) {
          file.position(range.first());
        }
      } catch (IOException e) {
        closeQuietly(file);
        return false; // gone meanwhile: the app may know better
      }
    }
    stats.staticHits.increment();
    status = notModified ? 304 : range != null ? 206 : 200;
    if (!requestDone) {
      closeAfter = true;
    }
    state = State.LOCAL;
    stateSince = loop.now;
    responseStarted = true;
    StaticFiles.writeHead(
        responseOut, found, type, etag, notModified, gzip, range, variants, requestId, closeAfter);
    response.src = null;
    response.srcKey = null;
    response.dstKey = key;
    response.start = 0;
    response.end = 0;
    response.srcEof = false;
    response.limit = Long.MAX_VALUE;
    response.file = file;
    if (file != null) {
      response.framer.length(range != null ? range.length() : found.size());
      if (gzip) {
        startGzip(false);
      }
    } else {
      response.framer.none();
    }
    response.message(responseOut.buffer());
    driveResponse();
    return true;
  }

  private static void closeQuietly(FileChannel file) {
    if (file != null) {
      try {
        file.close();
      } catch (IOException ignored) {
        // read-only: nothing lost
      }
    }
  }

  private void startGzip(boolean chunkedInput) {
    GzipEncoder encoder = loop.takeEncoder();
    encoder.start(chunkedInput);
    response.gzip = encoder;
  }

  /** The app is scaled to zero: wait for its cold start (the loop calls {@link #recheck}). */
  private void park() {
    if (!loop.coldStarts.enter(target.appKey())) {
      LOG.warn(
          "App {} has too many requests waiting for its start ({})", target.appKey(), requestId);
      answer(503, "Service Unavailable");
      return;
    }
    state = State.PARKED;
    stateSince = loop.now;
    parkedHost = requestHead.host();
    parkedPath = requestHead.path();
    parkedFailures = target.wakeFailures();
    Pump.off(key, SelectionKey.OP_READ);
    loop.park(this);
  }

  /**
   * While parked, called by the loop every few milliseconds: forwards once the app has an upstream,
   * answers 502 when its start failed, 504 when it took too long.
   *
   * @return whether the request stopped waiting
   */
  boolean recheck() {
    if (state != State.PARKED) {
      return true;
    }
    Target now = loop.routes.current().match(parkedHost, parkedPath).orElse(null);
    ColdStarts.Outcome outcome = loop.coldStarts.check(now, parkedFailures, loop.now - stateSince);
    if (outcome == ColdStarts.Outcome.WAIT) {
      return false;
    }
    loop.coldStarts.leave(target.appKey());
    state = State.HEAD;
    lastActivity = loop.now;
    switch (outcome) {
      case FORWARD -> {
        target = now;
        instance = target.leastLoaded(loop.routes.inFlight());
        track(instance);
        connect(false);
      }
      case FAILED -> {
        LOG.warn("App {} failed to start for a waiting request ({})", target.appKey(), requestId);
        answer(502, "Bad Gateway");
      }
      case TIMED_OUT -> {
        LOG.warn(
            "App {} was not ready in time for a waiting request ({})", target.appKey(), requestId);
        answer(504, "Gateway Timeout");
      }
      default -> answer(now == null ? 404 : 503, now == null ? "Not Found" : "Service Unavailable");
    }
    return true;
  }

  /** Uses a pooled connection to {@link #instance} unless {@code fresh}, else opens one. */
  private void connect(boolean fresh) {
    UpstreamConnection c = fresh ? null : loop.take(instance);
    if (c != null) {
      c.owner = this;
      upstream = c;
      forward();
      return;
    }
    if (!loop.mayConnect(instance)) {
      waiting = true;
      state = State.CONNECTING;
      stateSince = loop.now;
      loop.await(instance, this);
      return;
    }
    try {
      upstream = loop.open(instance, this);
    } catch (IOException e) {
      refused(e);
      return;
    }
    if (upstream.channel.isConnected()) {
      forward();
    } else {
      state = State.CONNECTING;
      stateSince = loop.now;
    }
  }

  private void finishConnect() {
    try {
      if (!upstream.channel.finishConnect()) {
        return;
      }
    } catch (IOException e) {
      refused(e);
      return;
    }
    upstream.key.interestOps(SelectionKey.OP_READ);
    forward();
  }

  private void refused(IOException e) {
    dropUpstream();
    Optional<Upstream> other = retried ? Optional.empty() : target.after(instance);
    if (other.isPresent()) {
      LOG.warn(
          "Upstream {} of {} refused the connection, retrying on {} ({})",
          instance,
          target.appKey(),
          other.get(),
          requestId);
      instance = other.get();
      track(instance);
      retried = true;
      connect(false);
      return;
    }
    LOG.warn(
        "Upstream {} of {} failed ({}): {}", instance, target.appKey(), requestId, e.toString());
    answer(502, "Bad Gateway");
  }

  /** A queued request may now try to connect (see {@link EventLoop#uncounted}). */
  void resume() {
    if (state == State.CONNECTING && waiting) {
      waiting = false;
      connect(false);
    }
  }

  /** A queued request gets a connection another request just released. */
  void handOver(UpstreamConnection c) {
    waiting = false;
    c.owner = this;
    upstream = c;
    forward();
  }

  /** Connected: send the head and body, and wait for the answer. */
  private void forward() {
    state = State.FORWARDING;
    stateSince = loop.now;
    request.dst = upstream.channel;
    request.dstKey = upstream.key;
    request.srcKey = key;
    request.message(requestOut.buffer());
    response.src = upstream.channel;
    response.srcKey = upstream.key;
    response.dstKey = key;
    response.start = 0;
    response.end = 0;
    response.srcEof = false;
    response.limit = Long.MAX_VALUE;
    response.framer.none();
    response.message(null);
    request.srcEof = false;
    requestDone = false;
    upstreamOutputShut = false;
    clientOutputShut = false;
    Pump.on(upstream.key, SelectionKey.OP_READ);
    driveRequest();
  }

  private void driveRequest() {
    if (requestDone || state == State.CLOSED) {
      return;
    }
    switch (request.pump()) {
      case Pump.DONE -> {
        requestDone = true;
        if (state == State.PIPE) {
          shutUpstreamOutput();
        }
        complete();
      }
      case Pump.WANT_READ, Pump.WANT_WRITE -> {}
      case Pump.DST_ERROR -> upstreamFailed(request.failure);
      case Pump.MALFORMED -> {
        if (responseStarted) {
          close();
        } else {
          dropUpstream();
          closeAfter = true;
          answer(400, "Bad Request");
        }
      }
      case Pump.TOO_LARGE -> {
        LOG.info("Request body over the limit for {} ({})", target.appKey(), requestId);
        if (responseStarted) {
          close();
        } else {
          dropUpstream();
          closeAfter = true;
          answer(413, "Payload Too Large");
        }
      }
      default -> close(); // the visitor went away mid-request
    }
  }

  /** The app failed before or while answering (reset, closed, refused a write). */
  private void upstreamFailed(IOException failure) {
    if (responseStarted) {
      close();
      return;
    }
    // Retry once when nothing of the request body went out and the request is safe to repeat: a
    // pooled connection closed under us, or a GET/HEAD whose instance died before answering.
    boolean stale =
        upstream != null
            && request.framer.total() == 0
            && (upstream.reused || (requestHead.safeMethod() && requestDone));
    dropUpstream();
    if (stale && !retried) {
      // Once more on a new connection, to the next instance when there is one (this one may have
      // died).
      retried = true;
      Optional<Upstream> other = target.after(instance);
      if (other.isPresent()) {
        instance = other.get();
        track(instance);
      }
      request.message(requestOut.buffer());
      connect(true);
      return;
    }
    LOG.warn(
        "Upstream {} of {} failed ({}): {}",
        instance,
        target.appKey(),
        requestId,
        failure == null ? "closed the connection" : failure.toString());
    answer(502, "Bad Gateway");
  }

  // ----- response side

  private void readResponseHead() {
    for (; ; ) {
      if (response.buffered()) {
        int end = HttpHead.end(response.buf, response.start, response.end);
        if (end >= 0) {
          onResponseHead(end);
          return;
        }
        if (response.full()) {
          LOG.warn(
              "Upstream {} of {} sent a head over {} bytes ({})",
              instance,
              target.appKey(),
              BUFFER,
              requestId);
          dropUpstream();
          answer(502, "Bad Gateway");
          return;
        }
      }
      int n = response.fill();
      if (n == Pump.FAILED) {
        upstreamFailed(response.failure);
        return;
      }
      if (n < 0) {
        upstreamFailed(null);
        return;
      }
      if (n == 0) {
        return;
      }
    }
  }

  private void onResponseHead(int headEnd) {
    if (!responseHead.parseResponse(response.buf, response.start, headEnd)) {
      LOG.warn(
          "Upstream {} of {} sent a malformed head ({})", instance, target.appKey(), requestId);
      dropUpstream();
      answer(502, "Bad Gateway");
      return;
    }
    response.start = headEnd;
    int status = responseHead.status();
    if (status >= 100 && status < 200 && status != 101) {
      // Interim (100 Continue): pass on, then read the final head.
      interim = true;
      responseHead.writeResponse(responseOut, requestId, false);
      response.framer.none();
      response.message(responseOut.buffer());
      driveResponse();
      return;
    }
    interim = false;
    responseStarted = true;
    this.status = status;
    if (status == 101 && upgradeRequested) {
      state = State.PIPE;
      // The exchange is counted now; the pipe may live for hours (its client slot stays taken).
      if (stats != null) {
        stats.request(101, loop.now - exchangeStart);
        stats = null;
      }
      upstream.uncount();
      closeAfter = true;
      upstreamReusable = false;
      responseHead.writeResponse(responseOut, requestId, false);
      response.framer.untilClose();
      response.message(responseOut.buffer());
      request.framer.untilClose();
      request.message(null);
      requestDone = false;
      driveResponse();
      driveRequest();
      return;
    }
    if (headRequest || responseHead.bodylessStatus()) {
      response.framer.none();
    } else if (responseHead.chunked()) {
      response.framer.chunked();
    } else if (responseHead.contentLength() >= 0) {
      response.framer.length(responseHead.contentLength());
    } else {
      response.framer.untilClose();
      closeAfter = true;
    }
    upstreamReusable = !responseHead.closeRequested() && !response.framer.untilCloseMode();
    boolean compressible = GzipEncoder.eligible(responseHead, headRequest);
    boolean gzip = gzipAccepted && compressible;
    responseHead.writeResponse(responseOut, requestId, closeAfter, gzip, compressible);
    if (gzip) {
      startGzip(responseHead.chunked());
    }
    response.message(responseOut.buffer());
    driveResponse();
  }

  private void driveResponse() {
    if (state == State.CLOSED) {
      return;
    }
    switch (response.pump()) {
      case Pump.DONE -> {
        if (state == State.LOCAL) {
          localDone();
        } else if (interim) {
          interim = false;
          readResponseHead();
        } else if (state == State.PIPE) {
          shutClientOutput();
        } else {
          complete();
        }
      }
      case Pump.WANT_READ, Pump.WANT_WRITE -> {}
      case Pump.SRC_EOF, Pump.SRC_ERROR, Pump.MALFORMED -> {
        LOG.warn(
            "Upstream {} of {} cut its answer short ({})", instance, target.appKey(), requestId);
        close();
      }
      default -> close(); // the visitor went away
    }
  }

  /** Both directions of a forwarded exchange may be finished: recycle and read the next request. */
  private void complete() {
    if (state != State.FORWARDING
        || !requestDone
        || !responseStarted
        || interim
        || !response.finished()) {
      return;
    }
    if (upstreamReusable && !response.buffered() && !upstreamOutputShut) {
      loop.release(upstream);
    } else {
      upstream.close();
    }
    upstream = null;
    track(null);
    next();
  }

  /** Moves this exchange's in-flight count to {@code u} (null: the exchange ended). */
  private void track(Upstream u) {
    if (counted != null) {
      loop.routes.inFlight().ended(counted, loop.now);
    }
    counted = u;
    if (u != null) {
      loop.routes.inFlight().started(u, loop.now);
    }
  }

  private void localDone() {
    if (!closeAfter) {
      next();
    } else if (requestDone) {
      close();
    } else {
      // The request body was not read: shut our side and drain, so the visitor sees the answer
      // instead of a reset.
      state = State.LINGER;
      stateSince = loop.now;
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
      try {
        response.file.close();
      } catch (IOException ignored) {
        // read-only: nothing lost
      }
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

  /** The same URL over HTTPS on {@code port} (left out when 443). */
  private String httpsUrl(int port) {
    String host = requestHead.host();
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      host = close > 0 ? host.substring(0, close + 1) : host;
    } else {
      int colon = host.indexOf(':');
      host = colon >= 0 ? host.substring(0, colon) : host;
    }
    return "https://"
        + host
        + (port == 443 ? "" : ":" + port)
        + requestHead.path()
        + requestHead.query();
  }

  /** The proxy's own short answer; the connection closes after it when closeAfter is set. */
  private void answer(int status, String reason) {
    answer(status, reason, null, null);
  }

  /**
   * The proxy's own answer.
   *
   * @param header one extra header line without CRLF (e.g. Location), or null
   * @param text the body, or null for the reason phrase
   */
  private void answer(int status, String reason, String header, String text) {
    this.status = status;
    track(null);
    if (!requestDone) {
      closeAfter = true;
    }
    state = State.LOCAL;
    stateSince = loop.now;
    responseStarted = true;
    byte[] body = (text != null ? text : reason + "\n").getBytes(StandardCharsets.UTF_8);
    if (headRequest) {
      body = new byte[0];
    }
    responseOut
        .reset()
        .ascii("HTTP/1.1 " + status + " " + reason + "\r\n")
        .ascii("Content-Type: text/plain; charset=UTF-8\r\n")
        .ascii("Content-Length: " + body.length + "\r\n")
        .ascii("X-Request-ID: " + requestId + "\r\n");
    if (header != null) {
      responseOut.ascii(header + "\r\n");
    }
    if (closeAfter) {
      responseOut.ascii("Connection: close\r\n");
    }
    responseOut.crlf().append(body);
    response.src = null;
    response.srcKey = null;
    response.dstKey = key;
    response.start = 0;
    response.end = 0;
    response.framer.none();
    response.message(responseOut.buffer());
    driveResponse();
  }

  // ----- closing

  private void dropUpstream() {
    if (upstream != null) {
      upstream.close();
      upstream = null;
    }
  }

  private void shutUpstreamOutput() {
    upstreamOutputShut = true;
    try {
      upstream.channel.shutdownOutput();
    } catch (IOException e) {
      close();
      return;
    }
    if (clientOutputShut) {
      close();
    }
  }

  private void shutdownClientOutput() throws IOException {
    if (tls != null) {
      tls.shutdownOutput();
    } else {
      client.shutdownOutput();
    }
  }

  private void shutClientOutput() {
    clientOutputShut = true;
    try {
      shutdownClientOutput();
    } catch (IOException e) {
      close();
      return;
    }
    if (upstreamOutputShut) {
      close();
    }
  }

  void close() {
    if (state == State.CLOSED) {
      return;
    }
    if (state == State.PARKED) {
      loop.coldStarts.leave(target.appKey());
      loop.unpark(this);
    }
    state = State.CLOSED;
    track(null);
    endExchange();
    if (waiting) {
      waiting = false;
      loop.cancelWait(instance, this);
    }
    dropUpstream();
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
