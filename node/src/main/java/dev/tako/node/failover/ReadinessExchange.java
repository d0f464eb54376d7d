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
 * dropped.
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
  private Set<String> lastSent;
  private long lastSentAt;

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
                  timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.checkInterval());
                  timers.startTimerWithFixedDelay(RefreshTls.INSTANCE, settings.tlsRefresh());
                  return new ReadinessExchange(ctx, self, routes, tls, settings, blocking);
                }));
  }

  private ReadinessExchange(
      ActorContext<Command> ctx,
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
    var receptionist = ctx.getSystem().receptionist();
    receptionist.tell(Receptionist.register(KEY, ctx.getSelf()));
    receptionist.tell(
        Receptionist.subscribe(KEY, ctx.messageAdapter(Receptionist.Listing.class, Peers::new)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessageEquals(Tick.INSTANCE, this::tick)
        .onMessageEquals(
            RefreshTls.INSTANCE,
            () -> {
              CompletableFuture.runAsync(tls::refresh, blocking);
              return this;
            })
        .onMessage(Peers.class, this::onPeers)
        .onMessage(Announce.class, this::onAnnounce)
        .onMessage(Echo.class, this::onEcho)
        .build();
  }

  private Behavior<Command> tick() {
    long now = System.nanoTime();
    Set<String> ready = PeerTable.readyHere(routes.current());
    if (!ready.equals(lastSent) || now - lastSentAt >= settings.pingInterval().toNanos()) {
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
      lastSentAt = now;
    }
    publish(now);
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
    lastSent = null; // newcomers hear from us on the next tick
    return this;
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
    if (settings.enabled() && failover.on()) {
      failover.publish(table.directory(now, settings.peerExpiry().toNanos()));
    }
  }
}
