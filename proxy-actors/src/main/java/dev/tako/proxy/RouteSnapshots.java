package dev.tako.proxy;

import dev.tako.proxy.channels.ChannelAuthorizer;
import dev.tako.proxy.channels.ChannelHub;
import dev.tako.proxy.channels.ChannelSettings;

/**
 * The one place the proxy's hot path reads routes from: a volatile reference to the latest
 * immutable {@link RouteSnapshot}. Only the {@link RouteTable} actor writes it (package-private
 * setter), so readers never lock and never ask an actor per request. Starts as {@link
 * RouteSnapshot#EMPTY}.
 */
public final class RouteSnapshots {
  private volatile RouteSnapshot current = RouteSnapshot.EMPTY;
  private final InFlightCounts inFlight = new InFlightCounts();
  private volatile ColdStarter coldStarter = ColdStarter.NONE;
  private ClientLimits clientLimits;
  private volatile dev.tako.proxy.failover.Failover failover = dev.tako.proxy.failover.Failover.OFF;

  /** Installs forwarding to peers (SPEC §12); the node does it once at start. */
  public void failover(dev.tako.proxy.failover.Failover f) {
    this.failover = f == null ? dev.tako.proxy.failover.Failover.OFF : f;
  }

  /** Forwarding to peers, {@link dev.tako.proxy.failover.Failover#OFF} unless installed. */
  public dev.tako.proxy.failover.Failover failover() {
    return failover;
  }

  private volatile ChannelHub channelHub;
  private volatile ChannelSettings channelSettings = ChannelSettings.DEFAULTS;
  private ChannelAuthorizer channelAuthorizer;

  /**
   * Installs the cluster side of channels (SPEC §13) the proxy subscribes and publishes through;
   * without one (as in {@code tako dev}) channel paths answer 503.
   */
  public void channelHub(ChannelHub hub) {
    this.channelHub = hub;
  }

  /** The installed channel hub, or null. */
  public ChannelHub channelHub() {
    return channelHub;
  }

  /** The node's channel limits and timers (tako.channels.*), set when a proxy is bound. */
  void channelSettings(ChannelSettings settings) {
    this.channelSettings = settings;
  }

  ChannelSettings channelSettings() {
    return channelSettings;
  }

  /** One authorizer (one HTTP client) for every port of the node, made on first use. */
  synchronized ChannelAuthorizer channelAuthorizer() {
    if (channelAuthorizer == null) {
      channelAuthorizer = new ChannelAuthorizer(channelSettings.authorizeTimeout());
    }
    return channelAuthorizer;
  }

  /** Installs what wakes apps scaled to zero (the node's agent); read on every wake. */
  public void coldStarter(ColdStarter starter) {
    this.coldStarter = starter == null ? ColdStarter.NONE : starter;
  }

  /** The installed cold starter (never null). */
  public ColdStarter coldStarter() {
    return coldStarter;
  }

  /** What the proxy has in flight per upstream (for draining instances). */
  public InFlightCounts inFlight() {
    return inFlight;
  }

  /**
   * The per-client request counts of every proxy bound with these routes (the node's HTTP and HTTPS
   * ports share them, so the limit holds across both), created on the first bind; a bind with
   * another limit starts its own.
   */
  synchronized ClientLimits clientLimits(int max) {
    if (clientLimits == null || clientLimits.max() != max) {
      clientLimits = new ClientLimits(max);
    }
    return clientLimits;
  }

  public RouteSnapshot current() {
    return current;
  }

  private volatile boolean frozen;

  /**
   * The node process is being replaced (a handover): the routes stay as they are now, whatever the
   * stopping actors publish, so the proxy keeps serving the running instances until the next node
   * process takes over.
   */
  public void freeze() {
    frozen = true;
  }

  /**
   * Completes with the first snapshot (the current one or one published later, seen through {@link
   * #onPublish}) that satisfies {@code condition}; never completes otherwise (callers add their own
   * timeout).
   */
  public java.util.concurrent.CompletableFuture<RouteSnapshot> when(
      java.util.function.Predicate<RouteSnapshot> condition) {
    java.util.concurrent.CompletableFuture<RouteSnapshot> done =
        new java.util.concurrent.CompletableFuture<>();
    Runnable[] check = new Runnable[1];
    check[0] =
        () -> {
          RouteSnapshot now = current;
          if (!done.isDone() && condition.test(now)) {
            done.complete(now);
          }
          if (done.isDone()) {
            removeOnPublish(check[0]);
          }
        };
    onPublish(check[0]);
    check[0].run(); // the current snapshot may satisfy it already
    return done;
  }

  private final java.util.List<Runnable> onPublish =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Runs {@code listener} after each new snapshot, on the route table's thread (keep it short: tell
   * an actor), so a reader can follow changes without polling {@link #current}.
   */
  public void onPublish(Runnable listener) {
    onPublish.add(listener);
  }

  /** Stops running a listener given to {@link #onPublish}. */
  public void removeOnPublish(Runnable listener) {
    onPublish.remove(listener);
  }

  void publish(RouteSnapshot snapshot) {
    if (frozen) {
      return;
    }
    current = snapshot;
    for (Runnable listener : onPublish) {
      listener.run();
    }
  }
}
