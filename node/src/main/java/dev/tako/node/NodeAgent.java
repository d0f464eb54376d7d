package dev.tako.node;

import dev.tako.node.converge.Convergence;
import dev.tako.node.converge.ConvergenceView;
import dev.tako.node.delete.AppDeletion;
import dev.tako.node.deploy.ProcessEnvironment;
import dev.tako.node.deploy.ReleaseSteps;
import dev.tako.node.deploy.Rollout;
import dev.tako.node.leases.LeaseDesk;
import dev.tako.node.leases.Leases;
import dev.tako.node.logs.LocalLogs;
import dev.tako.node.logs.LogLines;
import dev.tako.node.releases.ReleasePruning;
import dev.tako.node.releases.ReleasesOnServer;
import dev.tako.node.releases.RollbackTarget;
import dev.tako.node.routing.RoutePublisher;
import dev.tako.node.scale.ScalePolicy;
import dev.tako.node.secrets.NodeKey;
import dev.tako.node.secrets.SecretsDigest;
import dev.tako.node.status.ServerStatus;
import dev.tako.node.tls.AcmeHost;
import dev.tako.node.tls.AcmeHosts;
import dev.tako.node.tls.CertificateCopy;
import dev.tako.node.tls.CertificateExchange;
import dev.tako.node.tls.CertificateRelay;
import dev.tako.node.tls.SharedCertificate;
import dev.tako.persistence.ArtifactStore;
import dev.tako.persistence.EnvHead;
import dev.tako.persistence.NodeLedger;
import dev.tako.protocol.CborSerializable;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.api.DeployResult;
import dev.tako.protocol.api.RollbackRequest;
import dev.tako.protocol.api.RolloutEvent;
import dev.tako.protocol.api.SecretsRequest;
import dev.tako.proxy.RouteTable;
import dev.tako.supervisor.AppSupervisor;
import dev.tako.supervisor.AppSupervisor.EndpointsChanged;
import dev.tako.supervisor.InFlight;
import dev.tako.supervisor.SupervisorSettings;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The node's single writer at run time and its door for other nodes: every message below arrives
 * here, and the state they change (the {@link LocalLedger} copy of the {@link NodeLedger}, the
 * {@link AppSupervisors}, the candidates of {@link ReleaseSteps}, the deploy {@link Leases}) is
 * touched on this actor's thread only. The work itself lives with its feature: release steps in
 * deploy, rollback targets in releases, log reads in logs, the certificate relay in tls, the
 * proxy's routes in routing. After a restart it brings every app back from the ledger by itself.
 * Its {@link Convergence} child keeps this server on each environment's current release (the head a
 * rollout decides, gossiped between nodes), using the same release steps as a rollout.
 *
 * <p>Rollouts (one per deploy, coordinated from whichever node the CLI reached) talk to it through
 * the cross-node messages below; every failure they can expect is a {@link StepResult} with ok =
 * false and a message for the user, never an exception. Blocking work (files, processes, keys) runs
 * on the blocking dispatcher and comes back through {@code pipeToSelf}.
 */
public final class NodeAgent extends AbstractBehavior<NodeAgent.Command> {

  /** Everything the agent accepts. Only the records that also implement CborSerializable travel. */
  public sealed interface Command {}

  public static ServiceKey<Command> key(String server) {
    return ServiceKey.create(Command.class, "tako-node-agent-" + server);
  }

  // ---- deploy: the steps of a rollout on this server ----

  /**
   * Verify and extract the uploaded artifact, record the release. Replies unchanged when current.
   *
   * @param rolloutId the rollout (or catch-up) that holds this app/env's deploy lock and sends the
   *     step; the step is refused when another one holds the lock here now (a partition longer than
   *     the lease let it lapse and someone else took it). Null: not checked.
   */
  public record Prepare(DeployRequest request, ActorRef<StepResult> replyTo, String rolloutId)
      implements Command, CborSerializable {
    public Prepare(DeployRequest request, ActorRef<StepResult> replyTo) {
      this(request, replyTo, null);
    }
  }

  /**
   * Run tako.toml's {@code release} command once here, with the release's environment (the lock is
   * checked as for {@link Prepare}).
   */
  public record RunReleaseCommand(
      String app, String env, String release, ActorRef<StepResult> replyTo, String rolloutId)
      implements Command, CborSerializable {
    public RunReleaseCommand(String app, String env, String release, ActorRef<StepResult> replyTo) {
      this(app, env, release, replyTo, null);
    }
  }

  /**
   * Start the release's instances beside the current ones; reply when all are ready or one failed
   * (the lock is checked as for {@link Prepare}).
   */
  public record StartRelease(
      String app, String env, String release, ActorRef<StepResult> replyTo, String rolloutId)
      implements Command, CborSerializable {
    public StartRelease(String app, String env, String release, ActorRef<StepResult> replyTo) {
      this(app, env, release, replyTo, null);
    }
  }

  /**
   * Route traffic to the started release and drain the old one (the lock is checked as for {@link
   * Prepare}).
   */
  public record Switch(
      String app, String env, String release, ActorRef<StepResult> replyTo, String rolloutId)
      implements Command, CborSerializable {
    public Switch(String app, String env, String release, ActorRef<StepResult> replyTo) {
      this(app, env, release, replyTo, null);
    }
  }

  /** Stop the started, not switched, instances of a release. */
  public record Abort(String app, String env, String release, ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {}

  /** Coordinate a deploy across the request's servers from this node. */
  public record RunDeploy(DeployRequest request, ActorRef<RolloutEvent> events)
      implements Command, CborSerializable {}

  // ---- releases ----

  /** Coordinate a rollback: the target release comes from this node's ledger. */
  public record RunRollback(RollbackRequest request, ActorRef<RolloutEvent> events)
      implements Command, CborSerializable {}

  /** The releases of an app/env this server holds. */
  public record GetReleases(String app, String env, ActorRef<ReleasesOnServer> replyTo)
      implements Command, CborSerializable {}

  // ---- run: one-off commands ----

  /**
   * The environment and directory of the app/env's current release here, for {@code tako run}.
   * Local only: the route asks its own node, so it never travels.
   */
  public record GetRunEnvironment(
      String app, String env, ActorRef<dev.tako.node.run.RunEnvironment> replyTo)
      implements Command, NoSerializationVerificationNeeded {}

  // ---- leases: the deploy lock ----

  /** Take or renew the deploy lock of an app/env on this server. */
  public record AcquireLease(
      String app, String env, Leases.Holder holder, long ttlMillis, ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {}

  /**
   * Whether the deploy lock of an app/env is free on this server (ok), else who holds it (error);
   * asked by a CLI before it builds and uploads, so a deploy that would be refused costs nothing.
   */
  public record GetLease(String app, String env, ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {}

  /** Give the lock back (the rollout ended). */
  public record ReleaseLease(String app, String env, String rolloutId)
      implements Command, CborSerializable {}

  // ---- secrets ----

  /**
   * Store an app/env's secrets here, sealed under this node's key; replies with the release the app
   * runs here (null when it is not deployed here).
   */
  public record StoreSecrets(
      String app,
      String env,
      Map<String, String> values,
      String digest,
      ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {
    public StoreSecrets {
      values = Map.copyOf(values);
    }

    /** Never print values (dead letters and logs show messages). */
    @Override
    public String toString() {
      return "StoreSecrets[" + app + "/" + env + ", " + values.size() + " value(s)]";
    }
  }

  /** The digest of the secret set this server holds for an app/env (null: none). */
  public record GetSecretsDigest(String app, String env, ActorRef<SecretsDigest> replyTo)
      implements Command, CborSerializable {}

  /** Coordinate {@code tako secrets sync} from this node. */
  public record RunSecretsSync(SecretsRequest request, ActorRef<RolloutEvent> events)
      implements Command, CborSerializable {}

  // ---- delete ----

  /**
   * Remove an app/env from this server: routes, instances (drained), releases, logs, dependency
   * installs, secrets, unused artifacts; its data only with {@code purgeData}. Replies ok with
   * detail "deleted", or unchanged ("not-deployed") when nothing of it ran here.
   */
  public record DeleteApp(String app, String env, boolean purgeData, ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {}

  /**
   * A {@code tako delete} coordinated here ended: the environment's head becomes "deleted", so a
   * server that was unreachable removes the app when it is back. Local only (from the API edge).
   *
   * @param removed the servers that no longer have the app
   */
  public record Deleted(String app, String env, List<String> servers, List<String> removed)
      implements Command, NoSerializationVerificationNeeded {}

  // ---- logs, status, scale ----

  /**
   * This server's log lines of an app/env at or after a time, the newest {@code limit} of them in
   * time order (see {@link dev.tako.node.logs.LogReader}).
   */
  public record ReadLogs(
      String app, String env, long sinceEpochMillis, int limit, ActorRef<LogLines> replyTo)
      implements Command, CborSerializable {}

  /** This server's apps, for {@code tako status}. */
  public record GetStatus(ActorRef<ServerStatus> replyTo) implements Command, CborSerializable {}

  /** Set the desired instances of an app/env here (persisted; survives deploys and restarts). */
  public record SetScale(String app, String env, int instances, ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {}

  /**
   * A request arrived for an app scaled to zero (from the proxy, coalesced per app): start one
   * instance of its current release. Unknown apps are ignored. Local only.
   */
  public record WakeUp(AppEnv app) implements Command, NoSerializationVerificationNeeded {}

  /**
   * Stop every app process on this node (the node is shutting down). Local only: sent by this
   * node's own shutdown task, so it is exempt from forced serialization in tests.
   */
  public record StopApps(ActorRef<Done> replyTo)
      implements Command, NoSerializationVerificationNeeded {}

  /**
   * The node process is about to be replaced (an upgrade handover): every app's current instances
   * keep running, detached from this node (the next node process adopts them), the others are
   * stopped; replies when every supervisor is done. Local only, like {@link StopApps}.
   */
  public record DetachApps(ActorRef<Done> replyTo)
      implements Command, NoSerializationVerificationNeeded {}

  // ---- certificates: what other nodes' certificate managers ask of this one ----

  /**
   * Another node's pending ACME HTTP-01 challenge: answer it on this node's plain port too (the
   * CA's validation may reach any server of the environment). Acknowledged with ok.
   */
  public record PublishChallenge(
      String token, String keyAuthorization, String by, ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {}

  /** The challenge is over. */
  public record WithdrawChallenge(String token, ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {}

  /**
   * Another node wants this node's certificate of a host (it is not due here), and, with {@code
   * orderIfMissing}, this node to order it (and deliver it to {@code by}) when it has none.
   */
  public record FetchCertificate(
      AcmeHost host, String by, boolean orderIfMissing, ActorRef<CertificateCopy> replyTo)
      implements Command, CborSerializable {}

  /**
   * Store and serve a certificate ordered by another node; ok, and unchanged when this node has one
   * that expires no earlier. Its toString never shows the key.
   */
  public record StoreCertificate(
      SharedCertificate certificate, String from, ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {}

  // ---- the agent's own messages ----

  /**
   * Work a helper of this agent continues on the agent's thread once an ask or a blocking call
   * completed (the answer of {@code pipeToSelf} or {@code context.ask}). Local only.
   */
  public record Continue(Runnable step) implements Command, NoSerializationVerificationNeeded {}

  private record Endpoints(EndpointsChanged change) implements Command {}

  /** What status shows of convergence changed (from the convergence child). */
  private record Converging(ConvergenceView view) implements Command {}

  private final NodeSettings settings;
  private final SupervisorSettings supervisorSettings;
  private final ArtifactStore store;
  private final Executor blocking;
  private final LocalLedger ledger;
  private final AppSupervisors supervisors;
  private final ReleaseSteps steps;
  private final CertificateRelay relay;
  private final ActorRef<RoutePublisher.Command> routes;
  private final LeaseDesk leases;
  private final NodeKey nodeKey;
  private final AppDeletion deletion;
  private final ProcessEnvironment processes;
  private final ActorRef<Convergence.Command> convergence;
  private ConvergenceView converging = ConvergenceView.NONE;
  private int rollouts;

  /**
   * Registers the agent and loads its ledger state and node key first, see {@link NodeStartup}.
   *
   * @param inFlight the proxy's count of requests in flight per instance port, so a switch drains
   *     old instances until their last request finished
   * @param acmeHosts told every host that wants an ACME certificate here, whenever a current
   *     release changes and after a restart
   * @param certificates what other nodes' certificate managers ask of this node's (challenges,
   *     certificate copies), forwarded from the messages above
   */
  public static Behavior<Command> create(
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<NodeLedger.Command> ledger,
      ActorRef<RouteTable.Command> routeTable,
      InFlight inFlight,
      AcmeHosts acmeHosts,
      CertificateExchange certificates) {
    return create(
        settings,
        supervisorSettings,
        ledger,
        routeTable,
        inFlight,
        acmeHosts,
        certificates,
        List.of());
  }

  /**
   * @param leftovers app processes a previous node process left running, to adopt (see {@link
   *     LeftoverProcesses#scan})
   */
  public static Behavior<Command> create(
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<NodeLedger.Command> ledger,
      ActorRef<RouteTable.Command> routeTable,
      InFlight inFlight,
      AcmeHosts acmeHosts,
      CertificateExchange certificates,
      List<LeftoverProcesses.Leftover> leftovers) {
    return NodeStartup.create(
        settings,
        ledger,
        (ctx, state, key) ->
            new NodeAgent(
                ctx,
                settings,
                supervisorSettings,
                ledger,
                routeTable,
                inFlight,
                acmeHosts,
                certificates,
                state,
                key,
                leftovers));
  }

  private NodeAgent(
      ActorContext<Command> ctx,
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<NodeLedger.Command> ledger,
      ActorRef<RouteTable.Command> routeTable,
      InFlight inFlight,
      AcmeHosts acmeHosts,
      CertificateExchange certificates,
      NodeLedger.State loaded,
      NodeKey nodeKey,
      List<LeftoverProcesses.Leftover> leftovers) {
    super(ctx);
    this.settings = settings;
    this.supervisorSettings = supervisorSettings;
    this.store = new ArtifactStore(settings.home());
    this.blocking = Blocking.executor(ctx.getSystem());
    this.nodeKey = nodeKey;
    this.relay = new CertificateRelay(ctx, certificates, settings.server(), blocking);
    this.leases = new LeaseDesk(settings.server());
    this.routes = ctx.spawn(RoutePublisher.create(store, routeTable), "routes");
    this.ledger =
        new LocalLedger(
            ctx,
            ledger,
            settings.askTimeout(),
            loaded,
            state -> routes.tell(new RoutePublisher.LedgerChanged(state)),
            state -> {
              ReleasePruning.pruneAsync(state, store, settings, blocking);
              acmeHosts.want(AcmeHost.wantedBy(state));
            });
    this.supervisors =
        new AppSupervisors(
            ctx,
            settings,
            supervisorSettings,
            ctx.messageAdapter(EndpointsChanged.class, Endpoints::new),
            inFlight);
    var processes = new ProcessEnvironment(settings, store, nodeKey, ctx.getLog());
    this.processes = processes;
    this.steps =
        new ReleaseSteps(
            ctx,
            settings,
            supervisorSettings,
            this.ledger,
            supervisors,
            store,
            blocking,
            processes);
    this.deletion =
        new AppDeletion(ctx, settings.server(), this.ledger, supervisors, store, blocking);
    supervisors.restore(loaded, processes, leftovers, blocking);
    this.convergence =
        ctx.spawn(
            Convergence.create(
                settings,
                supervisorSettings,
                ctx.getSelf(),
                ledger,
                ctx.messageAdapter(ConvergenceView.class, Converging::new),
                store,
                nodeKey,
                blocking),
            "converge");
    acmeHosts.want(AcmeHost.wantedBy(loaded));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Continue.class, on(m -> m.step().run()))
        // deploy
        .onMessage(
            Prepare.class,
            on(
                m ->
                    fenced(
                        m.request().app(),
                        m.request().env(),
                        m.rolloutId(),
                        m.replyTo(),
                        () -> steps.prepare(m))))
        .onMessage(
            RunReleaseCommand.class,
            on(
                m ->
                    fenced(
                        m.app(),
                        m.env(),
                        m.rolloutId(),
                        m.replyTo(),
                        () -> steps.runReleaseCommand(m))))
        .onMessage(
            StartRelease.class,
            on(m -> fenced(m.app(), m.env(), m.rolloutId(), m.replyTo(), () -> steps.start(m))))
        .onMessage(
            Switch.class,
            on(m -> fenced(m.app(), m.env(), m.rolloutId(), m.replyTo(), () -> steps.switchTo(m))))
        .onMessage(Abort.class, on(steps::abort))
        .onMessage(
            RunDeploy.class,
            on(
                m ->
                    spawn(
                        "rollout",
                        m.request().app(),
                        deploy(m.request(), m.events(), EnvHead.DEPLOY))))
        // releases
        .onMessage(RunRollback.class, on(this::rollback))
        .onMessage(GetReleases.class, on(this::releases))
        .onMessage(
            GetRunEnvironment.class,
            on(
                m ->
                    m.replyTo()
                        .tell(
                            dev.tako.node.run.RunEnvironment.of(
                                ledger.state(),
                                processes,
                                settings.server(),
                                m.app(),
                                m.env(),
                                System.getenv()))))
        // leases
        .onMessage(AcquireLease.class, on(leases::acquire))
        .onMessage(GetLease.class, on(leases::query))
        .onMessage(ReleaseLease.class, on(leases::release))
        // secrets
        .onMessage(StoreSecrets.class, on(this::storeSecrets))
        .onMessage(GetSecretsDigest.class, on(this::secretsDigest))
        .onMessage(RunSecretsSync.class, on(this::syncSecrets))
        .onMessage(DeleteApp.class, on(deletion::delete))
        .onMessage(
            Deleted.class,
            on(
                m ->
                    convergence.tell(
                        new Convergence.Decide(
                            m.app(),
                            m.env(),
                            EnvHead.DELETED,
                            null,
                            null,
                            null,
                            m.servers(),
                            m.removed()))))
        // logs, status, scale
        .onMessage(ReadLogs.class, on(this::readLogs))
        .onMessage(
            GetStatus.class, on(m -> supervisors.status(ledger.state(), converging, m.replyTo())))
        .onMessage(Converging.class, on(m -> converging = m.view()))
        .onMessage(SetScale.class, on(this::scale))
        // the proxy and the node's life
        .onMessage(Endpoints.class, on(m -> routes.tell(new RoutePublisher.Changed(m.change()))))
        .onMessage(WakeUp.class, on(m -> supervisors.wakeUp(m.app())))
        .onMessage(StopApps.class, on(m -> supervisors.stopAll(m.replyTo())))
        .onMessage(DetachApps.class, on(m -> supervisors.detachAll(m.replyTo())))
        // certificates
        .onMessage(PublishChallenge.class, on(relay::published))
        .onMessage(WithdrawChallenge.class, on(relay::withdrawn))
        .onMessage(FetchCertificate.class, on(relay::requested))
        .onMessage(StoreCertificate.class, on(relay::receive))
        .build();
  }

  /** Runs a rollout's step unless another rollout holds the app/env's deploy lock here now. */
  private void fenced(
      String app, String env, String rolloutId, ActorRef<StepResult> replyTo, Runnable step) {
    StepResult refused = leases.fence(app, env, rolloutId);
    if (refused != null) {
      replyTo.tell(refused);
    } else {
      step.run();
    }
  }

  /** A rollback is a deploy of a recorded release, see {@link RollbackTarget}. */
  private void rollback(RunRollback msg) {
    RollbackTarget target =
        RollbackTarget.find(
            ledger.app(app(msg.request().app(), msg.request().env())),
            msg.request(),
            settings.server());
    if (target.error() == null) {
      spawn(
          "rollback",
          msg.request().app(),
          deploy(target.request(), msg.events(), EnvHead.ROLLBACK));
      return;
    }
    msg.events()
        .tell(
            RolloutEvent.done(
                new DeployResult(
                    false, msg.request().release(), List.of(), target.error(), false)));
    msg.events().tell(Rollout.END);
  }

  private void releases(GetReleases m) {
    var known = ReleasesOnServer.known(ledger.state(), m.app(), m.env());
    m.replyTo().tell(new ReleasesOnServer(settings.server(), known));
  }

  private void secretsDigest(GetSecretsDigest m) {
    String digest = ledger.state().secretsOf(m.app(), m.env()).digest();
    m.replyTo().tell(new SecretsDigest(settings.server(), digest));
  }

  private void syncSecrets(RunSecretsSync m) {
    spawn(
        "secrets",
        m.request().app(),
        Rollout.syncSecrets(m.request(), m.events(), settings, supervisorSettings, convergence));
  }

  private void storeSecrets(StoreSecrets msg) {
    AppEnv app = app(msg.app(), msg.env());
    var sealed = nodeKey.seal(msg.app(), msg.env(), msg.values());
    ledger.write(
        r -> new NodeLedger.SetSecrets(msg.app(), msg.env(), sealed, msg.digest(), r),
        msg.replyTo(),
        new StepResult(settings.server(), true, false, null, List.of(), ledger.current(app)),
        f -> StepResult.failed(settings.server(), "could not store the secrets: " + f));
  }

  /** Reads the log files on the blocking dispatcher; no lines for an app not deployed here. */
  private void readLogs(ReadLogs m) {
    if (ledger.app(app(m.app(), m.env())).isEmpty()) {
      m.replyTo().tell(new LogLines(settings.server(), settings.region(), List.of()));
      return;
    }
    replyLater(
        m.replyTo(),
        LocalLogs.readAsync(
            store, settings, m.app(), m.env(), m.sinceEpochMillis(), m.limit(), blocking));
  }

  /** Records the desired instances, then tells the supervisor (if the app runs here). */
  private void scale(SetScale msg) {
    String over = ScalePolicy.overCap(msg.instances(), settings.maxInstances());
    if (over != null) {
      msg.replyTo().tell(StepResult.failed(settings.server(), over));
      return;
    }
    ActorRef<AppSupervisor.Command> sup = supervisors.get(app(msg.app(), msg.env()));
    ledger.writeWithStatus(
        r -> new NodeLedger.SetDesired(msg.app(), msg.env(), msg.instances(), r),
        msg.replyTo(),
        StepResult.ok(settings.server()),
        f -> StepResult.failed(settings.server(), StepResult.rootMessage(f)),
        () -> {
          if (sup != null) {
            sup.tell(new AppSupervisor.Scale(msg.instances()));
          }
        });
  }

  private Behavior<Rollout.Command> deploy(
      DeployRequest request, ActorRef<RolloutEvent> events, String kind) {
    return Rollout.create(request, events, null, settings, supervisorSettings, convergence, kind);
  }

  private void spawn(String kind, String app, Behavior<Rollout.Command> rollout) {
    rollouts++;
    getContext().spawn(rollout, kind + "-" + rollouts + "-" + app);
  }

  /** Answers from the actor once {@code answer} completed (it must not fail). */
  private <T> void replyLater(ActorRef<T> replyTo, CompletionStage<T> answer) {
    getContext().pipeToSelf(answer, (value, failure) -> new Continue(() -> replyTo.tell(value)));
  }

  private <T> org.apache.pekko.japi.function.Function<T, Behavior<Command>> on(
      Consumer<T> handler) {
    return msg -> {
      handler.accept(msg);
      return this;
    };
  }

  private static AppEnv app(String app, String env) {
    return new AppEnv(app, env);
  }
}
