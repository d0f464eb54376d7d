package dev.tako.proxy;

import static dev.tako.proxy.ProxyConnection.LOG;

import dev.tako.proxy.failover.Failover;
import dev.tako.proxy.failover.FailoverRules;
import dev.tako.proxy.failover.PeerProxy;
import java.util.List;

/**
 * A {@link ProxyConnection}'s side of failover between servers (SPEC §12, see {@link
 * dev.tako.proxy.failover}): sends the exchange to a peer's proxy when no local instance can take
 * it, re-sends it there when the local instance failed and {@link FailoverRules} allow it, follows
 * the app's {@code Tako-Replay}, and on the node-to-node listener marks the exchange as a hop
 * (never forwarded again) and passes artifact fetches to the node's artifact routes.
 */
final class Forwarding {
  private static final byte[] H_HOP = Ascii.bytes("Tako-Hop");
  static final String ARTIFACTS = "/v1/peer/";

  private final ProxyConnection c;
  private final EventLoop loop;

  /** The request came from a peer, on the node-to-node listener. */
  final boolean hopped;

  /** The head sent to a peer: the app's head plus {@code Tako-Hop} (and a kept body). */
  final HeadWriter hopOut = new HeadWriter(1024);

  private final BodyCopy body = new BodyCopy();

  /** The peer this exchange went to, or null (local). */
  PeerProxy peer;

  /** Peers tried for this exchange (a failed peer is not tried again). */
  private int tried;

  private Failover failover = Failover.OFF;

  Forwarding(ProxyConnection c) {
    this.c = c;
    this.loop = c.loop;
    this.hopped = loop.listener instanceof ProxyListener.Peer;
  }

  /**
   * A new exchange: nothing forwarded yet; keep the body while it streams when it may be needed.
   */
  void begin() {
    peer = null;
    tried = 0;
    body.reset();
    failover = loop.routes.failover();
    c.request.copy =
        failover.on()
                && !hopped
                && c.requestHead.hasBody()
                && FailoverRules.keepBody(c.requestHead.contentLength())
            ? body
            : null;
  }

  /**
   * On the node-to-node listener, a peer's artifact fetch goes to the node's artifact routes.
   *
   * @return whether it did (the exchange is under way)
   */
  boolean artifacts() {
    if (!hopped || !c.requestHead.path().startsWith(ARTIFACTS) || failover.artifacts() == null) {
      return false;
    }
    c.target = new Target("_peer", List.of(failover.artifacts()));
    c.request.framer.none();
    c.requestDone = true;
    c.requestHead.writeRequest(c.upstreamLeg.requestOut, c.clientAddress, "https", c.requestId);
    c.upstreamLeg.start(failover.artifacts());
    return true;
  }

  /**
   * No ready instance here (none, or the app is starting from zero): to the nearest peer with one.
   *
   * @return whether the exchange went to a peer
   */
  boolean instead(String why) {
    if (hopped || c.target == null) {
      return false;
    }
    List<PeerProxy> ready = failover.directory().ready(c.target.appKey());
    if (ready.isEmpty()) {
      return false;
    }
    c.prepareForward();
    go(ready.get(0), why);
    return true;
  }

  /**
   * The instance (or peer) this exchange went to failed before the visitor got any byte: to a peer
   * when the rules allow it.
   *
   * @param reachedApp bytes of the request may have reached it
   * @return whether the exchange went to a peer
   */
  boolean afterFailure(boolean reachedApp, String why) {
    if (hopped || c.target == null || !failover.on()) {
      return false;
    }
    boolean bodyAgain =
        c.request.framer.total() == 0
            || (c.request.copy != null && !body.overflow() && c.request.finished());
    FailoverRules.Exchange facts =
        new FailoverRules.Exchange(
            hopped, c.responseStarted, reachedApp, c.requestHead.idempotentMethod(), bodyAgain);
    if (!FailoverRules.mayForward(facts)) {
      return false;
    }
    List<PeerProxy> ready = failover.directory().ready(c.target.appKey());
    if (tried >= ready.size()) {
      return false;
    }
    go(ready.get(tried), why);
    return true;
  }

  /**
   * The app answered {@code Tako-Replay: name}: the same request to that server's proxy.
   *
   * @return whether the answer was taken over (replayed, or 502 when it cannot be)
   */
  boolean replay(String name) {
    if (hopped || !failover.on()) {
      return false; // a hop never replays; its header is dropped
    }
    PeerProxy to = failover.directory().named(name).orElse(null);
    boolean kept =
        c.requestDone
            && (c.request.framer.total() == 0 || (c.request.copy != null && !body.overflow()));
    if (to == null || !FailoverRules.mayReplay(hopped, kept)) {
      LOG.warn(
          "App {} asked to replay on {}, which {} ({}): 502",
          c.target.appKey(),
          name,
          to == null
              ? "is no other server or region of the cluster"
              : "cannot get the request: its body is over 1 MiB",
          c.requestId);
      c.upstreamLeg.drop();
      c.local.answer(502, "Bad Gateway");
      return true;
    }
    c.upstreamLeg.drop();
    go(to, "Tako-Replay: " + name);
    return true;
  }

  private void go(PeerProxy to, String why) {
    tried++;
    peer = to;
    LOG.debug(
        "Forwarding {} of {} to {} ({} ms away): {} ({})",
        c.requestHead.path(),
        c.target.appKey(),
        to.server(),
        to.rttNanos() == Long.MAX_VALUE ? "?" : to.rttNanos() / 1_000_000,
        why,
        c.requestId);
    loop.metrics.forward(c.target.appKey(), to.server());
    boolean withBody = c.request.framer.total() > 0;
    hopOut.copyWith(c.upstreamLeg.requestOut, H_HOP, failover.server(), withBody ? body : null);
    c.upstreamLeg.startPeer(Failover.upstream(to), hopOut);
  }
}
