package dev.tako.node.routing;

import dev.tako.node.AppEnv;
import dev.tako.node.Blocking;
import dev.tako.persistence.ArtifactStore;
import dev.tako.persistence.NodeLedger;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.proxy.RouteTable;
import dev.tako.proxy.Upstream;
import dev.tako.supervisor.AppSupervisor.EndpointsChanged;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Keeps the proxy's route table in line with the ready instances of each app's current release: the
 * release's routes and TLS setting (from the ledger), its upstreams, whether it is cold, and its
 * public/ directory for static files. That directory is looked up once per release, off the actor
 * thread; the latest change of each app is what gets published. A child of the NodeAgent, local
 * only; it cannot fail short of a bug.
 */
public final class RoutePublisher extends AbstractBehavior<RoutePublisher.Command> {

  public sealed interface Command extends NoSerializationVerificationNeeded {}

  /** The node's ledger now: the releases' routes and TLS setting come from here. */
  public record LedgerChanged(NodeLedger.State state) implements Command {}

  /** A supervisor's ready instances changed. */
  public record Changed(EndpointsChanged change) implements Command {}

  private record PublicDirChecked(AppEnv app, PublicDir dir) implements Command {}

  /** A release's public/ directory, or null when it has none. */
  private record PublicDir(String release, Path dir) {}

  private final ArtifactStore store;
  private final ActorRef<RouteTable.Command> routeTable;
  private final Executor blocking;
  private final Map<AppEnv, EndpointsChanged> endpoints = new HashMap<>();
  private final Map<AppEnv, PublicDir> publicDirs = new HashMap<>();
  private NodeLedger.State ledger;

  public static Behavior<Command> create(
      ArtifactStore store, ActorRef<RouteTable.Command> routeTable) {
    return Behaviors.setup(ctx -> new RoutePublisher(ctx, store, routeTable));
  }

  private RoutePublisher(
      ActorContext<Command> ctx, ArtifactStore store, ActorRef<RouteTable.Command> routeTable) {
    super(ctx);
    this.store = store;
    this.routeTable = routeTable;
    this.blocking = Blocking.executor(ctx.getSystem());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(
            LedgerChanged.class,
            m -> {
              ledger = m.state();
              return this;
            })
        .onMessage(Changed.class, this::onChanged)
        .onMessage(PublicDirChecked.class, this::onPublicDirChecked)
        .build();
  }

  private Behavior<Command> onChanged(Changed msg) {
    EndpointsChanged change = msg.change();
    AppEnv app = new AppEnv(change.app(), change.env());
    endpoints.put(app, change);
    PublicDir known = publicDirs.get(app);
    if (request(change) == null || (known != null && known.release().equals(change.release()))) {
      publish(app);
      return this;
    }
    Path candidate =
        store.releaseDir(change.app(), change.env(), change.release()).resolve("public");
    getContext()
        .pipeToSelf(
            CompletableFuture.supplyAsync(
                () -> Files.isDirectory(candidate) ? candidate : null, blocking),
            (dir, failure) -> new PublicDirChecked(app, new PublicDir(change.release(), dir)));
    return this;
  }

  private Behavior<Command> onPublicDirChecked(PublicDirChecked msg) {
    publicDirs.put(msg.app(), msg.dir());
    EndpointsChanged latest = endpoints.get(msg.app());
    if (latest != null && latest.release().equals(msg.dir().release())) {
      publish(msg.app());
    }
    return this;
  }

  private void publish(AppEnv app) {
    EndpointsChanged change = endpoints.get(app);
    DeployRequest req = request(change);
    PublicDir dir = publicDirs.get(app);
    routeTable.tell(
        new RouteTable.SetApp(
            app.key(),
            req == null ? List.of() : req.routes(),
            change.endpoints().stream().map(e -> new Upstream(e.host(), e.port())).toList(),
            change.cold(),
            change.wakeFailures(),
            req != null && req.tls() != null && !"off".equals(req.tls()),
            req != null && dir != null && dir.release().equals(change.release())
                ? dir.dir()
                : null));
    routeTable.tell(new RouteTable.SetChannels(app.key(), ChannelPolicies.of(req)));
  }

  /** The deploy request of the changed release, or null when the ledger does not know it. */
  private DeployRequest request(EndpointsChanged change) {
    if (ledger == null) {
      return null;
    }
    return ledger
        .app(change.app(), change.env())
        .flatMap(a -> a.release(change.release()))
        .map(NodeLedger.ReleaseRecord::request)
        .orElse(null);
  }
}
