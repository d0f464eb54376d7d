package dev.tako.proxy;

/**
 * Starts an instance of an app scaled to zero when a request for it arrives. Called by the proxy's
 * event loops, at most once per app while requests for it wait (see {@link ColdStarts}), so it must
 * not block: the node implements it by telling an actor. Outcomes come back through the route
 * table: the started instance's upstream, or a higher {@link Target#wakeFailures()} count.
 */
@FunctionalInterface
public interface ColdStarter {
  /** Ignores wake-ups (no cold starts: waiting requests time out with 504). */
  ColdStarter NONE = appKey -> {};

  void wake(String appKey);
}
