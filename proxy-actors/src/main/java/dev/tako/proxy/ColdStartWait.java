package dev.tako.proxy;

import static dev.tako.proxy.ProxyConnection.LOG;

import java.nio.channels.SelectionKey;

/**
 * A {@link ProxyConnection}'s request waiting for the cold start of an app scaled to zero (see
 * {@link ColdStarts}): parked in its loop, which rechecks it every few milliseconds, until the app
 * has an instance (then forwarded), its start failed (502) or took too long (504), or its route
 * went away (404/503). More waiting requests than the app's limit get 503 at once.
 */
final class ColdStartWait {
  private final ProxyConnection c;
  private final EventLoop loop;

  /** What the route is matched with again, and the app's failed starts when the wait began. */
  private String host;

  private String path;
  private long failures;
  private long since;

  ColdStartWait(ProxyConnection c) {
    this.c = c;
    this.loop = c.loop;
  }

  /** The app is scaled to zero: wait for its cold start (the loop calls {@link #recheck}). */
  void park() {
    if (!loop.coldStarts.enter(c.target.appKey())) {
      LOG.warn(
          "App {} has too many requests waiting for its start ({})",
          c.target.appKey(),
          c.requestId);
      c.local.answer(503, "Service Unavailable");
      return;
    }
    c.enter(ProxyConnection.State.PARKED);
    since = loop.now;
    host = c.requestHead.host();
    path = c.requestHead.path();
    failures = c.target.wakeFailures();
    Pump.off(c.key, SelectionKey.OP_READ);
    loop.park(c);
  }

  /**
   * While parked: forwards once the app has an upstream, answers 502 when its start failed, 504
   * when it took too long.
   *
   * @return whether the request stopped waiting
   */
  boolean recheck() {
    if (c.state != ProxyConnection.State.PARKED) {
      return true;
    }
    Target now = loop.routes.current().match(host, path).orElse(null);
    ColdStarts.Outcome outcome = loop.coldStarts.check(now, failures, loop.now - since);
    if (outcome == ColdStarts.Outcome.WAIT) {
      return false;
    }
    loop.coldStarts.leave(c.target.appKey());
    c.resumed();
    switch (outcome) {
      case FORWARD -> {
        c.target = now;
        c.upstreamLeg.start(now.leastLoaded(loop.routes.inFlight()));
      }
      case FAILED -> {
        LOG.warn(
            "App {} failed to start for a waiting request ({})", c.target.appKey(), c.requestId);
        c.local.answer(502, "Bad Gateway");
      }
      case TIMED_OUT -> {
        LOG.warn(
            "App {} was not ready in time for a waiting request ({})",
            c.target.appKey(),
            c.requestId);
        c.local.answer(504, "Gateway Timeout");
      }
      default ->
          c.local.answer(
              now == null ? 404 : 503, now == null ? "Not Found" : "Service Unavailable");
    }
    return true;
  }

  /** The connection closes while parked: leave the app's waiting count and the loop. */
  void leave() {
    loop.coldStarts.leave(c.target.appKey());
    loop.unpark(c);
  }
}
