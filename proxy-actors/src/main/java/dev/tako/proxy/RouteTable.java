package dev.tako.proxy;

import dev.tako.proxy.channels.ChannelPolicy;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The node's route table: owns app key → (routes, ready upstreams) and, after every change,
 * publishes a new immutable {@link RouteSnapshot} into the {@link RouteSnapshots} holder the proxy
 * reads. It is the holder's only writer.
 *
 * <p>Failure: a {@link SetApp} whose routes do not parse is logged and ignored (the previous routes
 * of every app keep serving); nothing else can fail. The table lives in memory only: after a
 * restart it publishes an empty snapshot and the node repopulates it. Local only: its messages are
 * never serialized.
 */
public final class RouteTable extends AbstractBehavior<RouteTable.Command> {

  /** Messages of the route table. */
  public interface Command extends NoSerializationVerificationNeeded {}

  /**
   * Replaces the routes and upstreams of one app (adds the app if new); {@code cold}: scaled to
   * zero, {@code wakeFailures}: failed cold starts so far, {@code secure} and {@code publicDir} as
   * in {@link AppRoutes}.
   */
  public record SetApp(
      String appKey,
      List<String> routes,
      List<Upstream> upstreams,
      boolean cold,
      long wakeFailures,
      boolean secure,
      Path publicDir)
      implements Command {
    public SetApp {
      routes = List.copyOf(routes);
      upstreams = List.copyOf(upstreams);
    }

    public SetApp(
        String appKey,
        List<String> routes,
        List<Upstream> upstreams,
        boolean cold,
        long wakeFailures) {
      this(appKey, routes, upstreams, cold, wakeFailures, false, null);
    }

    public SetApp(String appKey, List<String> routes, List<Upstream> upstreams) {
      this(appKey, routes, upstreams, false, 0);
    }
  }

  /** Sets the {@code [channels]} of an app key (null: none); an unchanged policy is ignored. */
  public record SetChannels(String appKey, ChannelPolicy policy) implements Command {}

  /** Drops an app's routes; unknown apps are ignored. */
  public record RemoveApp(String appKey) implements Command {}

  /** Replies with the current snapshot. */
  public record Get(ActorRef<RouteSnapshot> replyTo) implements Command {}

  private final RouteSnapshots holder;
  private Map<String, AppRoutes> apps = Map.of();
  private Map<String, ChannelPolicy> channels = Map.of();
  private RouteSnapshot snapshot = RouteSnapshot.EMPTY;

  public static Behavior<Command> create(RouteSnapshots holder) {
    return Behaviors.setup(context -> new RouteTable(context, holder));
  }

  private RouteTable(ActorContext<Command> context, RouteSnapshots holder) {
    super(context);
    this.holder = holder;
    holder.publish(snapshot);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(SetApp.class, this::onSetApp)
        .onMessage(RemoveApp.class, this::onRemoveApp)
        .onMessage(SetChannels.class, this::onSetChannels)
        .onMessage(Get.class, this::onGet)
        .build();
  }

  private Behavior<Command> onSetApp(SetApp command) {
    Map<String, AppRoutes> next = new HashMap<>(apps);
    next.put(
        command.appKey(),
        new AppRoutes(
            command.routes(),
            command.upstreams(),
            command.cold(),
            command.wakeFailures(),
            command.secure(),
            command.publicDir()));
    try {
      publish(next);
    } catch (IllegalArgumentException e) {
      getContext().getLog().error("Ignored routes of {}: {}", command.appKey(), e.getMessage());
    }
    return this;
  }

  private Behavior<Command> onRemoveApp(RemoveApp command) {
    if (apps.containsKey(command.appKey())) {
      Map<String, AppRoutes> next = new HashMap<>(apps);
      next.remove(command.appKey());
      publish(next);
    }
    return this;
  }

  private Behavior<Command> onSetChannels(SetChannels command) {
    if (java.util.Objects.equals(channels.get(command.appKey()), command.policy())) {
      return this;
    }
    Map<String, ChannelPolicy> next = new HashMap<>(channels);
    if (command.policy() == null) {
      next.remove(command.appKey());
    } else {
      next.put(command.appKey(), command.policy());
    }
    channels = Map.copyOf(next);
    publish(apps);
    return this;
  }

  private Behavior<Command> onGet(Get command) {
    command.replyTo().tell(snapshot);
    return this;
  }

  private void publish(Map<String, AppRoutes> next) {
    RouteSnapshot built = RouteSnapshot.of(next).withChannels(channels);
    apps = Map.copyOf(next);
    snapshot = built;
    holder.publish(built);
    getContext().getLog().debug("Routes now {}", built);
  }
}
