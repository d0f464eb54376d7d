package dev.tako.proxy;

import static dev.tako.proxy.ProxyConnection.LOG;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.util.Optional;

/**
 * The upstream leg of one {@link ProxyConnection}'s exchange: picks and connects an instance (a
 * pooled connection first, queued when the instance is at its connection limit), writes the
 * rewritten request head and streams the body to it, counts the exchange in flight, and recycles or
 * closes the upstream connection when the exchange ends.
 *
 * <p>A refused connect is retried once on the next instance, a stale pooled connection (or a safe
 * request whose instance died before answering) once on a new connection; any other failure becomes
 * the connection's 502 before the response started, a cut connection after.
 */
final class UpstreamLeg {
  private final ProxyConnection c;
  private final EventLoop loop;

  /** The rewritten request head, kept for a retry. */
  final HeadWriter requestOut = new HeadWriter(1024);

  /** What goes out first on the connection: {@link #requestOut}, or a peer's hop head. */
  private HeadWriter sending = requestOut;

  private static final java.nio.ByteBuffer NOTHING = java.nio.ByteBuffer.allocate(0);

  UpstreamConnection upstream;
  Upstream instance;

  /** The upstream this exchange is counted against in {@link InFlightCounts}, or null. */
  private Upstream counted;

  private boolean retried;

  /** Queued in the loop for a connection to {@link #instance}. */
  private boolean waiting;

  /** After 101: the app's side of the pipe got our end of stream. */
  boolean outputShut;

  UpstreamLeg(ProxyConnection c) {
    this.c = c;
    this.loop = c.loop;
  }

  /** Starts the exchange on {@code first}, the instance picked for it. */
  void start(Upstream first) {
    retried = false;
    sending = requestOut;
    instance = first;
    track(instance);
    connect(false);
  }

  /**
   * Sends the exchange to a peer's proxy instead (failover, see {@link Forwarding}): {@code head}
   * first, then whatever of the body is still to come. A stale pooled connection is retried once on
   * a new one; other failures are {@link Forwarding#afterFailure}'s to judge.
   */
  void startPeer(Upstream peer, HeadWriter head) {
    drop();
    stopWaiting();
    retried = false;
    sending = head;
    instance = peer;
    track(instance);
    connect(false);
  }

  /** Uses a pooled connection to {@link #instance} unless {@code fresh}, else opens one. */
  private void connect(boolean fresh) {
    UpstreamConnection u = fresh ? null : loop.take(instance);
    if (u != null) {
      u.owner = c;
      upstream = u;
      forward();
      return;
    }
    if (!loop.mayConnect(instance)) {
      waiting = true;
      c.enter(ProxyConnection.State.CONNECTING);
      loop.await(instance, c);
      return;
    }
    try {
      upstream = loop.open(instance, c);
    } catch (IOException e) {
      refused(e);
      return;
    }
    if (upstream.channel.isConnected()) {
      c.enter(ProxyConnection.State.CONNECTING);
      connected();
    } else {
      c.enter(ProxyConnection.State.CONNECTING);
    }
  }

  void finishConnect() {
    try {
      if (!upstream.channel.finishConnect()) {
        return;
      }
    } catch (IOException e) {
      refused(e);
      return;
    }
    upstream.key.interestOps(SelectionKey.OP_READ);
    connected();
  }

  /** Connected: to a peer, the TLS handshake first; else the request. */
  private void connected() {
    if (upstream.handshaking()) {
      handshake();
    } else {
      forward();
    }
  }

  /** Drives the TLS handshake with a peer (on each event of its connection) until it is done. */
  void handshake() {
    try {
      upstream.tls.read(NOTHING);
    } catch (java.io.IOException e) {
      refused(e);
      return;
    }
    if (upstream.handshaking()) {
      Pump.on(upstream.key, SelectionKey.OP_READ);
      return;
    }
    forward();
  }

  private void refused(IOException e) {
    drop();
    Optional<Upstream> other =
        retried || instance.peer() ? Optional.empty() : c.target.after(instance);
    if (other.isPresent()) {
      LOG.warn(
          "Upstream {} of {} refused the connection, retrying on {} ({})",
          instance,
          c.target.appKey(),
          other.get(),
          c.requestId);
      instance = other.get();
      track(instance);
      retried = true;
      connect(false);
      return;
    }
    if (c.forwarding.afterFailure(false, "refused: " + e.getMessage())) {
      return;
    }
    badGateway("failed: " + e);
  }

  /** A queued request may now try to connect (see {@link EventLoop#uncounted}). */
  void resume() {
    if (c.state == ProxyConnection.State.CONNECTING && waiting) {
      waiting = false;
      connect(false);
    }
  }

  /** A queued request gets a connection another request just released. */
  void handOver(UpstreamConnection u) {
    waiting = false;
    u.owner = c;
    upstream = u;
    forward();
  }

  /** Leaves the loop's queue for {@link #instance}, if in it. */
  void stopWaiting() {
    if (waiting) {
      waiting = false;
      loop.cancelWait(instance, c);
    }
  }

  /** Connected: send the head and body, and wait for the answer. */
  private void forward() {
    c.enter(ProxyConnection.State.FORWARDING);
    Pump request = c.request;
    request.dst = upstream.io.out();
    request.dstKey = upstream.key;
    request.srcKey = c.key;
    request.message(sending.buffer());
    c.responseLeg.expect(upstream);
    request.srcEof = false;
    c.requestDone = false;
    outputShut = false;
    c.clientOutputShut = false;
    Pump.on(upstream.key, SelectionKey.OP_READ);
    driveRequest();
  }

  void driveRequest() {
    if (c.requestDone || c.state == ProxyConnection.State.CLOSED) {
      return;
    }
    switch (c.request.pump()) {
      case Pump.DONE -> {
        c.requestDone = true;
        if (c.state == ProxyConnection.State.PIPE) {
          shutOutput();
        }
        c.complete();
      }
      case Pump.WANT_READ, Pump.WANT_WRITE -> {}
      case Pump.DST_ERROR -> failed(c.request.failure);
      case Pump.MALFORMED -> {
        if (c.responseStarted) {
          c.close();
        } else {
          drop();
          c.closeAfter = true;
          c.local.answer(400, "Bad Request");
        }
      }
      case Pump.TOO_LARGE -> {
        LOG.info("Request body over the limit for {} ({})", c.target.appKey(), c.requestId);
        if (c.responseStarted) {
          c.close();
        } else {
          drop();
          c.closeAfter = true;
          c.local.answer(413, "Payload Too Large");
        }
      }
      default -> c.close(); // the visitor went away mid-request
    }
  }

  /** The app failed before or while answering (reset, closed, refused a write). */
  void failed(IOException failure) {
    if (c.responseStarted) {
      c.close();
      return;
    }
    // Retry once when nothing of the request body went out and the request is safe to repeat: a
    // pooled connection closed under us, or a GET/HEAD whose instance died before answering.
    boolean stale =
        upstream != null
            && c.request.framer.total() == 0
            && (upstream.reused || (c.requestHead.safeMethod() && c.requestDone));
    drop();
    if (stale && !retried) {
      // Once more on a new connection, to the next instance when there is one (this one may have
      // died).
      retried = true;
      Optional<Upstream> other = instance.peer() ? Optional.empty() : c.target.after(instance);
      if (other.isPresent()) {
        instance = other.get();
        track(instance);
      }
      c.request.message(sending.buffer());
      connect(true);
      return;
    }
    if (c.forwarding.afterFailure(true, failure == null ? "closed" : failure.getMessage())) {
      return;
    }
    badGateway(failure == null ? "closed the connection" : "failed: " + failure);
  }

  /** Gives up on the app for this request: its connection closed, the visitor gets 502. */
  void badGateway(String what) {
    LOG.warn("Upstream {} of {} {} ({})", instance, c.target.appKey(), what, c.requestId);
    drop();
    c.local.answer(502, "Bad Gateway");
  }

  /** The exchange ended: the connection back to the pool when {@code reusable}, else closed. */
  void finish(boolean reusable) {
    if (reusable && !outputShut) {
      loop.release(upstream);
    } else {
      upstream.close();
    }
    upstream = null;
    track(null);
  }

  /** Moves this exchange's in-flight count to {@code u} (null: the exchange ended). */
  void track(Upstream u) {
    if (counted != null) {
      loop.routes.inFlight().ended(counted, loop.now);
    }
    counted = u;
    if (u != null) {
      loop.routes.inFlight().started(u, loop.now);
    }
  }

  /** Closes the upstream connection, if any: it is not reused. */
  void drop() {
    if (upstream != null) {
      upstream.close();
      upstream = null;
    }
  }

  /** After 101, the visitor's side ended: pass the end of stream on. */
  private void shutOutput() {
    outputShut = true;
    try {
      if (upstream.tls != null) {
        upstream.tls.shutdownOutput();
      } else {
        upstream.channel.shutdownOutput();
      }
    } catch (IOException e) {
      c.close();
      return;
    }
    if (c.clientOutputShut) {
      c.close();
    }
  }
}
