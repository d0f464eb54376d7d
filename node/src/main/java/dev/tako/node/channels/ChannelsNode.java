package dev.tako.node.channels;

import dev.tako.node.NodeConfig;
import dev.tako.protocol.CborSerializable;
import dev.tako.proxy.channels.ChannelRetention;
import dev.tako.proxy.channels.ChannelSink;
import dev.tako.proxy.channels.ChannelUnavailableException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * This node's channels: one {@link ChannelReplica} child per channel it serves or replicates, and
 * the door other nodes' channels talk to (one {@link #KEY} in the receptionist). It routes every
 * message by its channel key, creating the replica on first use (a replica loads its history from
 * its file), and tells every replica on each heartbeat which servers are up and reachable. Local
 * subscribes and publishes that would open one channel beyond {@code tako.channels.max-channels}
 * are refused; replication from peers is always taken (the environment's order depends on it).
 */
public final class ChannelsNode extends AbstractBehavior<ChannelsNode.Command> {

  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "tako-channels");

  public interface Command {}

  /** Anything for one channel's replica. */
  public interface ForChannel extends Command {
    String key();

    /** Whether it comes from this node's proxy or apps (and so counts against the limit). */
    default boolean local() {
      return false;
    }
  }

  /** A retention as it travels ({@link ChannelRetention} holds a Duration). */
  public record Keep(long maxAgeMillis, int maxMessages) implements CborSerializable {
    static Keep of(ChannelRetention r) {
      return new Keep(r.maxAge().toMillis(), r.maxMessages());
    }

    ChannelRetention retention() {
      return new ChannelRetention(Duration.ofMillis(maxAgeMillis), maxMessages);
    }
  }

  // ---- from this node's proxy and apps ----

  public record Subscribe(String key, Keep keep, String since, ChannelSink sink, long subId)
      implements ForChannel, NoSerializationVerificationNeeded {
    @Override
    public boolean local() {
      return true;
    }
  }

  public record Unsubscribe(String key, long subId)
      implements ForChannel, NoSerializationVerificationNeeded {}

  public record LocalPublish(String key, Keep keep, byte[] data, CompletableFuture<String> answer)
      implements ForChannel, NoSerializationVerificationNeeded {
    @Override
    public boolean local() {
      return true;
    }
  }

  // ---- between nodes ----

  /**
   * A publish forwarded to the owner; answered once a majority stored it. {@code notAfter} (epoch
   * milliseconds, 0 for none) is the last moment the owner may still take it: its sender answers
   * 503 when its wait ends, so a forward the network held until after that (a partition that heals)
   * must never be published.
   */
  public record Publish(
      String key, Keep keep, byte[] data, ActorRef<Published> replyTo, long notAfter)
      implements ForChannel, CborSerializable {}

  /** The owner's answer: the id, or an error with the seconds to wait. */
  public record Published(String id, String error, int retryAfter) implements CborSerializable {}

  /** A new owner asks every replica to promise its ballot and say how far its log goes. */
  public record Prepare(String key, Keep keep, Ballot ballot, ActorRef<Command> replyTo)
      implements ForChannel, CborSerializable {}

  public record Promised(
      String key, Ballot ballot, String from, long last, Ballot lastStamp, long commit, long first)
      implements ForChannel, CborSerializable {}

  /** A replica promised a greater ballot than the sender's. */
  public record Overtaken(String key, Ballot ballot, Ballot promised)
      implements ForChannel, CborSerializable {}

  /**
   * The owner's entries after {@code prevSeq} (none: a heartbeat that carries the commit). With
   * {@code reset} the replica's log restarts at {@code prevSeq + 1} (it was behind the owner's
   * retention).
   */
  public record Append(
      String key,
      Keep keep,
      Ballot ballot,
      ActorRef<Command> replyTo,
      long prevSeq,
      Ballot prevBorn,
      String idBefore,
      List<Entry> entries,
      long commit,
      boolean reset)
      implements ForChannel, CborSerializable {
    public Append {
      entries = List.copyOf(entries);
    }
  }

  /** How far a replica's log matches the owner's (-1: not at all at prevSeq), and its commit. */
  public record Appended(String key, Ballot ballot, String from, long matched, long commit)
      implements ForChannel, CborSerializable {}

  /** A recovering owner fetches the most complete log from the replica that holds it. */
  public record Fetch(String key, Ballot ballot, long fromSeq, ActorRef<Command> replyTo)
      implements ForChannel, CborSerializable {}

  public record Fetched(
      String key,
      Ballot ballot,
      long start,
      String idBefore,
      Ballot bornBefore,
      List<Entry> entries,
      boolean more)
      implements ForChannel, CborSerializable {
    public Fetched {
      entries = List.copyOf(entries);
    }
  }

  // ---- internal ----

  private enum Tick implements Command {
    INSTANCE
  }

  private record Listing(Receptionist.Listing listing)
      implements Command, NoSerializationVerificationNeeded {}

  /** The cluster now, for one replica (on every heartbeat). */
  record Refresh(PeerView view) implements Command, NoSerializationVerificationNeeded {}

  private final ActorContext<Command> ctx;
  private final String self;
  private final Path dir;
  private final ChannelsSettings settings;
  private final Environments environments;
  private final Supplier<Set<String>> upServers;
  private final Map<String, ActorRef<Command>> replicas = new HashMap<>();
  private final Set<String> open;
  private Map<String, ActorRef<Command>> refs = Map.of();
  private PeerView view;

  /**
   * @param dir where the channels' files are kept (the node home's {@code channels/})
   * @param upServers the servers this node holds up and reachable now
   */
  public static Behavior<Command> create(
      String self,
      Path dir,
      ChannelsSettings settings,
      Environments environments,
      Supplier<Set<String>> upServers) {
    return create(self, dir, settings, environments, upServers, ConcurrentHashMap.newKeySet());
  }

  /**
   * As above; {@code open} is kept equal to the keys of the channels this node holds, so {@link
   * ClusterChannelHub} can refuse a subscription beyond {@code max-channels} before its answer
   * starts (a 503, not a stream that ends at once).
   */
  public static Behavior<Command> create(
      String self,
      Path dir,
      ChannelsSettings settings,
      Environments environments,
      Supplier<Set<String>> upServers,
      Set<String> open) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.heartbeat());
                  return new ChannelsNode(ctx, self, dir, settings, environments, upServers, open);
                }));
  }

  private ChannelsNode(
      ActorContext<Command> ctx,
      String self,
      Path dir,
      ChannelsSettings settings,
      Environments environments,
      Supplier<Set<String>> upServers,
      Set<String> open) {
    super(ctx);
    this.open = open;
    this.ctx = ctx;
    this.self = self;
    this.dir = dir;
    this.settings = settings;
    this.environments = environments;
    this.upServers = upServers;
    this.refs = Map.of(self, ctx.getSelf());
    this.view = new PeerView(self, Set.of(self), refs);
    var receptionist = ctx.getSystem().receptionist();
    receptionist.tell(Receptionist.register(KEY, ctx.getSelf()));
    receptionist.tell(
        Receptionist.subscribe(KEY, ctx.messageAdapter(Receptionist.Listing.class, Listing::new)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ForChannel.class, this::route)
        .onMessage(Listing.class, this::onListing)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .build();
  }

  private Behavior<Command> route(ForChannel msg) {
    ActorRef<Command> replica = replicas.get(msg.key());
    if (replica == null) {
      if (msg instanceof Unsubscribe) {
        return this;
      }
      if (msg.local() && replicas.size() >= settings.maxChannels()) {
        refuse(msg);
        return this;
      }
      ChannelKeys.Parsed parsed = ChannelKeys.parse(msg.key());
      if (parsed == null) {
        ctx.getLog().warn("ignored a channel message with the bad key {}", msg.key());
        return this;
      }
      replica =
          ctx.spawn(
              ChannelReplica.create(
                  msg.key(),
                  parsed,
                  dir.resolve(fileName(parsed)),
                  settings,
                  environments,
                  ctx.getSelf(),
                  view),
              "c-" + URLEncoder.encode(msg.key(), StandardCharsets.UTF_8));
      replicas.put(msg.key(), replica);
      open.add(msg.key());
    }
    replica.tell(msg);
    return this;
  }

  private void refuse(ForChannel msg) {
    String why =
        "this server serves its maximum of "
            + settings.maxChannels()
            + " channels (tako.channels.max-channels in node.conf)";
    if (msg instanceof Subscribe s) {
      s.sink().onClosed(why);
    } else if (msg instanceof LocalPublish p) {
      p.answer()
          .completeExceptionally(
              new ChannelUnavailableException(why, settings.retryAfterSeconds()));
    }
  }

  static Path fileName(ChannelKeys.Parsed k) {
    return Path.of(
        URLEncoder.encode(k.app(), StandardCharsets.UTF_8),
        URLEncoder.encode(k.env(), StandardCharsets.UTF_8),
        URLEncoder.encode(k.channel(), StandardCharsets.UTF_8) + ".log");
  }

  private Behavior<Command> onListing(Listing m) {
    Map<String, ActorRef<Command>> next = new HashMap<>();
    next.put(self, ctx.getSelf());
    Map<org.apache.pekko.actor.Address, String> servers = new HashMap<>();
    for (Member member : Cluster.get(ctx.getSystem()).state().getMembers()) {
      String server = NodeConfig.serverOf(member.getRoles());
      if (server != null) {
        servers.put(member.address(), server);
      }
    }
    for (ActorRef<Command> ref : m.listing().getServiceInstances(KEY)) {
      String server =
          ref.path().address().hasLocalScope() ? self : servers.get(ref.path().address());
      if (server != null && !server.equals(self)) {
        next.put(server, ref);
      }
    }
    refs = Map.copyOf(next);
    refresh();
    return this;
  }

  private Behavior<Command> onTick() {
    refresh();
    return this;
  }

  private void refresh() {
    Set<String> reachable = new HashSet<>(upServers.get());
    reachable.retainAll(refs.keySet());
    reachable.add(self);
    view = new PeerView(self, reachable, refs);
    Refresh r = new Refresh(view);
    for (ActorRef<Command> replica : replicas.values()) {
      replica.tell(r);
    }
  }
}
