package dev.tako.proxy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The app a request was routed to and its upstreams, balanced by fewest requests in flight with
 * round robin among ties. One instance per app in a {@link RouteSnapshot}, shared by all of that
 * app's routes; its counter is the only mutable part of a snapshot and starts over with every new
 * snapshot.
 */
public final class Target {
  private final String appKey;
  private final List<Upstream> upstreams;
  private final boolean cold;
  private final long wakeFailures;
  private final boolean secure;
  private final Path publicDir;
  private final AtomicInteger counter = new AtomicInteger();

  public Target(String appKey, List<Upstream> upstreams) {
    this(appKey, upstreams, false, 0);
  }

  /**
   * @param cold the app is scaled to zero: without upstreams, a request waits for a cold start
   *     instead of getting 503
   * @param wakeFailures how many cold starts of the app failed so far (only ever grows)
   */
  public Target(String appKey, List<Upstream> upstreams, boolean cold, long wakeFailures) {
    this(appKey, upstreams, cold, wakeFailures, false, null);
  }

  /**
   * @param secure TLS is on for the app: plain HTTP requests are redirected to HTTPS
   * @param publicDir the release's static files directory, or null
   */
  public Target(
      String appKey,
      List<Upstream> upstreams,
      boolean cold,
      long wakeFailures,
      boolean secure,
      Path publicDir) {
    this.appKey = appKey;
    this.upstreams = List.copyOf(upstreams);
    this.cold = cold;
    this.wakeFailures = wakeFailures;
    this.secure = secure;
    this.publicDir = publicDir;
  }

  /** TLS is on for this app: plain HTTP is redirected to HTTPS (ACME challenges excepted). */
  public boolean secure() {
    return secure;
  }

  /** The current release's {@code public/} directory, or null when it has none. */
  public Path publicDir() {
    return publicDir;
  }

  public boolean cold() {
    return cold;
  }

  public long wakeFailures() {
    return wakeFailures;
  }

  public String appKey() {
    return appKey;
  }

  public List<Upstream> upstreams() {
    return upstreams;
  }

  public boolean isEmpty() {
    return upstreams.isEmpty();
  }

  /**
   * The next upstream in round-robin order.
   *
   * @throws IllegalStateException when there is no upstream (check {@link #isEmpty()} first)
   */
  public Upstream next() {
    if (upstreams.isEmpty()) {
      throw new IllegalStateException("app " + appKey + " has no upstream");
    }
    int size = upstreams.size();
    return size == 1
        ? upstreams.get(0)
        : upstreams.get(Math.floorMod(counter.getAndIncrement(), size));
  }

  /**
   * The upstream with the fewest requests in flight, round robin among ties (issue 4: "requests go
   * to the ready instance with the fewest in flight"). One counter lookup per upstream.
   */
  public Upstream leastLoaded(InFlightCounts inFlight) {
    int size = upstreams.size();
    if (size <= 1) {
      return next();
    }
    int start = Math.floorMod(counter.getAndIncrement(), size);
    Upstream best = null;
    int bestCount = Integer.MAX_VALUE;
    for (int k = 0; k < size; k++) {
      Upstream u = upstreams.get((start + k) % size);
      int c = inFlight.count(u);
      if (c < bestCount) {
        best = u;
        bestCount = c;
      }
    }
    return best;
  }

  /**
   * The upstream that follows {@code failed} in the list, for one retry after a refused connection;
   * empty when there is no other one.
   */
  public Optional<Upstream> after(Upstream failed) {
    int size = upstreams.size();
    if (size < 2) {
      return Optional.empty();
    }
    int index = upstreams.indexOf(failed);
    return Optional.of(upstreams.get(Math.floorMod(index + 1, size)));
  }

  @Override
  public String toString() {
    return "Target[" + appKey + " -> " + upstreams + (cold ? ", cold" : "") + "]";
  }
}
