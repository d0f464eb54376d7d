package dev.tako.node.failover;

import dev.tako.protocol.CborSerializable;
import dev.tako.proxy.RouteSnapshots;
import dev.tako.proxy.failover.Failover;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Tells every peer which apps this node can serve (a ready instance) and where its node-to-node
 * listener is, at once when that changes and every {@code ping-interval} anyway; measures the round
 * trip to each peer by the echo of its announcements; and publishes the resulting {@link
 * dev.tako.proxy.failover.PeerDirectory} for the proxy's event loops. Peers are found through the
 * receptionist; messages travel over Artery (the cluster's mutual TLS), so WAN delays and
 * partitions apply to them as to every cluster message. A peer silent for {@code peer-expiry} is
 * dropped (a timer set for the moment the next peer would expire).
 *
 * <p>Nothing is polled: the route table tells this actor about each new snapshot ({@link
 * RouteSnapshots#onPublish}), which compares the ready set with the last one sent; an idle node
 * wakes for the ping only.
 */
public final class ReadinessExchange extends AbstractBehavior<ReadinessExchange.Command> {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "tako-readiness");

  public interface Command {}

  /**
   * A node's ready set and listener, with its own clock's time for the echo.
   *
   * @param ready app keys ({@code app/env}) with a ready instance on that node
   */
  public record Announce(
      String server,
      String region,
      String host,
      int port,
      List<String> ready,
      long sentNanos,
      ActorRef<Command> replyTo)
      implements Command, CborSerializable {}

  /** The echo of an {@link Announce}'s time: its sender measures the round trip. */
  public record Echo(String server, long sentNanos) implements Command, CborSerializable {}

  private enum Tick implements Command {
    INSTANCE
  }

  /** The route table published a new snapshot. */
  private enum RoutesChanged implements Command {
    INSTANCE
  }

  /** A peer's announcement may have become too old. */
  private enum Expire implements Command {
    INSTANCE
  }

  private enum RefreshTls implements Command {
    INSTANCE
  }

  private record Peers(Receptionist.Listing listing) implements Command {}

  private final ActorContext<Command> ctx;
  private final Self self;
  private final RouteSnapshots routes;
  private final ClusterTls tls;
  private final FailoverSettings settings;
  private final Executor blocking;
  private final PeerTable table = new PeerTable();
  private Set<ActorRef<Command>> peers = Set.of();
  private final Map<ActorRef<Command>, String> names = new HashMap<>();
  private final org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers;
  private final Runnable onRoutes;
  private Set<String> lastSent;
  private long nextExpiry = Long.MAX_VALUE;

  /**
   * This node as its peers see it.
   *
   * @param host and {@code port}: where peers reach its node-to-node listener
   */
  public record Self(String server, String region, String host, int port) {}

  public static Behavior<Command> create(
      Self self,
      RouteSnapshots routes,
      ClusterTls tls,
      FailoverSettings settings,
      Executor blocking) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.pingInterval());
                  timers.startTimerWithFixedDelay(RefreshTls.INSTANCE, settings.tlsRefresh());
                  return new ReadinessExchange(ctx, timers, self, routes, tls, settings, blocking);
                }));
  }

  private ReadinessExchange(
      ActorContext<Command> ctx,
      org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers,
      Self self,
      RouteSnapshots routes,
      ClusterTls tls,
      FailoverSettings settings,
      Executor blocking) {
    super(ctx);
    this.ctx = ctx;
    this.self = self;
    this.routes = routes;
    this.tls = tls;
    this.settings = settings;
    this.blocking = blocking;
    this.timers = timers;
    ActorRef<Command> me = ctx.getSelf();
    this.onRoutes = () -> me.tell(RoutesChanged.INSTANCE);
    routes.onPublish(onRoutes);
    var receptionist = ctx.getSystem().receptionist();
    receptionist.tell(Receptionist.register(KEY, ctx.getSelf()));
    receptionist.tell(
        Receptionist.subscribe(KEY, ctx.messageAdapter(Receptionist.Listing.class, Peers::new)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessageEquals(Tick.INSTANCE, () -> announce(true))
        .onMessageEquals(RoutesChanged.INSTANCE, () -> announce(false))
        .onMessageEquals(
            Expire.INSTANCE,
            () -> {
              nextExpiry = Long.MAX_VALUE;
              publish(System.nanoTime());
              return this;
            })
        .onMessageEquals(
            RefreshTls.INSTANCE,
            () -> {
              CompletableFuture.runAsync(tls::refresh, blocking);
              return this;
            })
        .onMessage(Peers.class, this::onPeers)
        .onMessage(Announce.class, this::onAnnounce)
        .onMessage(Echo.class, this::onEcho)
        .onSignal(
            org.apache.pekko.actor.typed.PostStop.class,
            stop -> {
              routes.removeOnPublish(onRoutes);
              return this;
            })
        .build();
  }

  /** Sends the ready set to every peer: on the ping, or when it changed since the last one sent. */
  private Behavior<Command> announce(boolean ping) {
    long now = System.nanoTime();
    Set<String> ready = PeerTable.readyHere(routes.current());
    if (ping || !ready.equals(lastSent)) {
      Announce announce =
          new Announce(
              self.server(),
              self.region(),
              self.host(),
              self.port(),
              List.copyOf(ready),
              now,
              ctx.getSelf());
      for (ActorRef<Command> peer : peers) {
        peer.tell(announce);
      }
      lastSent = ready;
    }
    if (ping) {
      publish(now);
    }
    return this;
  }

  private Behavior<Command> onPeers(Peers m) {
    Set<ActorRef<Command>> listed = new java.util.HashSet<>(m.listing().getServiceInstances(KEY));
    listed.remove(ctx.getSelf());
    for (ActorRef<Command> old : peers) {
      if (!listed.contains(old)) {
        String name = names.remove(old);
        if (name != null) {
          table.gone(name);
        }
      }
    }
    peers = Set.copyOf(listed);
    lastSent = null; // newcomers hear from us now
    publish(System.nanoTime()); // without those that left
    return announce(false);
  }

  private Behavior<Command> onAnnounce(Announce m) {
    long now = System.nanoTime();
    names.put(m.replyTo(), m.server());
    table.announced(m.server(), m.region(), m.host(), m.port(), Set.copyOf(m.ready()), now);
    m.replyTo().tell(new Echo(self.server(), m.sentNanos()));
    publish(now);
    return this;
  }

  private Behavior<Command> onEcho(Echo m) {
    long now = System.nanoTime();
    table.measured(m.server(), now - m.sentNanos());
    return this;
  }

  private void publish(long now) {
    Failover failover = routes.failover();
    long expiry = settings.peerExpiry().toNanos();
    if (settings.enabled() && failover.on()) {
      failover.publish(table.directory(now, expiry));
    }
    long next = table.nextExpiry(now, expiry);
    if (next < nextExpiry) { // else the timer set for an earlier expiry comes first
      nextExpiry = next;
      timers.startSingleTimer(Expire.INSTANCE, java.time.Duration.ofNanos(next - now + 1_000_000));
    }
  }
}
