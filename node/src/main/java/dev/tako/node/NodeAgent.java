package dev.tako.node;

import dev.tako.node.deploy.ProcessEnvironment;
import dev.tako.node.deploy.ReleaseCommand;
import dev.tako.node.deploy.Rollout;
import dev.tako.node.leases.Leases;
import dev.tako.node.logs.LocalLogs;
import dev.tako.node.logs.LogLines;
import dev.tako.node.releases.ReleasePruning;
import dev.tako.node.releases.ReleasesOnServer;
import dev.tako.node.releases.RollbackTarget;
import dev.tako.node.routing.RoutePublisher;
import dev.tako.node.secrets.NodeKey;
import dev.tako.node.secrets.SecretsDigest;
import dev.tako.node.status.ServerStatus;
import dev.tako.node.status.ServerStatusReport;
import dev.tako.node.tls.AcmeHost;
import dev.tako.node.tls.AcmeHosts;
import dev.tako.node.tls.CertificateCopy;
import dev.tako.node.tls.CertificateExchange;
import dev.tako.node.tls.CertificateRelay;
import dev.tako.node.tls.SharedCertificate;
import dev.tako.persistence.ArtifactException;
import dev.tako.persistence.ArtifactStore;
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
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.pattern.StatusReply;

/**
 * The node's single writer at run time: prepares releases (checksum, safe extraction), starts and
 * switches them through one {@link AppSupervisor} per app/env, keeps the proxy's route table in
 * line with the ready instances of each current release, holds the deploy leases and records what
 * must survive a restart in the {@link NodeLedger}. After a restart it brings every app back from
 * the ledger by itself. What each feature computes lives in its package (deploy, releases, logs,
 * status, secrets, leases, tls); this class holds the state and the messages.
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
   */
  public record Prepare(DeployRequest request, ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {}

  /** Run tako.toml's {@code release} command once here, with the release's environment. */
  public record RunReleaseCommand(
      String app, String env, String release, ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {}

  /**
   * Start the release's instances beside the current ones; reply when all are ready or one failed.
   */
  public record StartRelease(String app, String env, String release, ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {}

  /** Route traffic to the started release and drain the old one. */
  public record Switch(String app, String env, String release, ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {}

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

  private record LedgerLoaded(NodeLedger.State state) implements Command {}

  private record KeyLoaded(NodeKey key, Throwable failure) implements Command {}

  private record Prepared(
      DeployRequest request, ActorRef<StepResult> replyTo, String error, String previous)
      implements Command {}

  /** A ledger write finished: read the ledger again, then answer. */
  private record Recorded(ActorRef<StepResult> replyTo, StepResult result) implements Command {}

  private record Refreshed(NodeLedger.State state, ActorRef<StepResult> replyTo, StepResult result)
      implements Command {}

  private record Endpoints(EndpointsChanged change) implements Command {}

  private record CandidateDone(
      ActorRef<StepResult> replyTo, AppSupervisor.CandidateResult result, Throwable failure)
      implements Command {}

  private record SwitchDone(
      AppEnv app, String release, ActorRef<StepResult> replyTo, Throwable failure)
      implements Command {}

  /** An answer computed off the actor thread, sent from the actor. */
  private record Reply<T>(ActorRef<T> replyTo, T value) implements Command {
    void send() {
      replyTo.tell(value);
    }
  }

  /** Commands that may wait for the ledger at start before the oldest are dropped. */
  private static final int LOADING_STASH = 10_000;

  private final NodeSettings settings;
  private final SupervisorSettings supervisorSettings;
  private final ActorRef<NodeLedger.Command> ledger;
  private final InFlight inFlight;
  private final AcmeHosts acmeHosts;
  private final CertificateRelay relay;
  private final ActorRef<RoutePublisher.Command> routes;
  private final ArtifactStore store;
  private final Executor blocking;
  private final ActorRef<EndpointsChanged> endpointsAdapter;
  private final Map<AppEnv, ActorRef<AppSupervisor.Command>> supervisors = new HashMap<>();

  /**
   * The release last started beside the current one and not yet switched or aborted. A supervisor
   * has one candidate at a time, so Switch and Abort act only when they name it: a second deploy of
   * the same app must neither switch to nor stop the other deploy's instances.
   */
  private final Map<AppEnv, String> started = new HashMap<>();

  private final Leases leases = new Leases();
  private NodeLedger.State ledgerState;
  private NodeKey nodeKey;
  private ProcessEnvironment processes;
  private int rollouts;

  public static Behavior<Command> create(
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<NodeLedger.Command> ledger,
      ActorRef<RouteTable.Command> routeTable) {
    return create(
        settings,
        supervisorSettings,
        ledger,
        routeTable,
        InFlight.NONE,
        AcmeHosts.NONE,
        CertificateExchange.NONE);
  }

  /**
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
    return Behaviors.withStash(
        LOADING_STASH,
        stash ->
            Behaviors.setup(
                ctx ->
                    new NodeAgent(
                            ctx,
                            settings,
                            supervisorSettings,
                            ledger,
                            routeTable,
                            inFlight,
                            acmeHosts,
                            certificates)
                        .loading(stash)));
  }

  private NodeAgent(
      ActorContext<Command> ctx,
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<NodeLedger.Command> ledger,
      ActorRef<RouteTable.Command> routeTable,
      InFlight inFlight,
      AcmeHosts acmeHosts,
      CertificateExchange certificates) {
    super(ctx);
    this.settings = settings;
    this.supervisorSettings = supervisorSettings;
    this.ledger = ledger;
    this.inFlight = inFlight;
    this.acmeHosts = acmeHosts;
    this.store = new ArtifactStore(settings.home());
    this.blocking =
        ctx.getSystem()
            .dispatchers()
            .lookup(DispatcherSelector.fromConfig("tako.blocking-dispatcher"));
    this.relay = new CertificateRelay(certificates, settings.server(), blocking);
    this.routes = ctx.spawn(RoutePublisher.create(store, routeTable), "routes");
    this.endpointsAdapter = ctx.messageAdapter(EndpointsChanged.class, Endpoints::new);
    ctx.getSystem()
        .receptionist()
        .tell(Receptionist.register(key(settings.server()), ctx.getSelf()));
    ctx.pipeToSelf(
        offThread(
            () -> {
              try {
                return NodeKey.loadOrCreate(settings.home());
              } catch (IOException e) {
                throw new CompletionException(e);
              }
            }),
        KeyLoaded::new);
    ctx.ask(
        NodeLedger.State.class,
        ledger,
        settings.askTimeout().multipliedBy(6),
        NodeLedger.Get::new,
        (state, failure) -> {
          if (failure != null) {
            throw new IllegalStateException("cannot read the node ledger", failure);
          }
          return new LedgerLoaded(state);
        });
  }

  /**
   * Until the ledger's state and the node key are loaded, every other command waits: one answered
   * on the empty state of a new agent (a deploy right after the node started) would be undone when
   * the loaded state replaced the newer one.
   */
  private Behavior<Command> loading(StashBuffer<Command> stash) {
    return Behaviors.receive(Command.class)
        .onMessage(
            LedgerLoaded.class,
            msg -> {
              ledgerChanged(msg.state());
              return loaded(stash);
            })
        .onMessage(
            KeyLoaded.class,
            msg -> {
              if (msg.failure() != null) {
                throw new IllegalStateException(
                    "cannot use the node key: " + StepResult.rootMessage(msg.failure()),
                    msg.failure());
              }
              nodeKey = msg.key();
              processes = new ProcessEnvironment(settings, store, nodeKey, getContext().getLog());
              return loaded(stash);
            })
        .onAnyMessage(
            msg -> {
              if (stash.isFull()) {
                getContext()
                    .getLog()
                    .warn("dropped a {} while the ledger loads", msg.getClass().getSimpleName());
              } else {
                stash.stash(msg);
              }
              return Behaviors.same();
            })
        .build();
  }

  private Behavior<Command> loaded(StashBuffer<Command> stash) {
    if (ledgerState == null || nodeKey == null) {
      return Behaviors.same();
    }
    restoreApps();
    return stash.unstashAll(this);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Prepare.class, this::onPrepare)
        .onMessage(Prepared.class, this::onPrepared)
        .onMessage(Recorded.class, this::onRecorded)
        .onMessage(Refreshed.class, this::onRefreshed)
        .onMessage(RunReleaseCommand.class, this::onRunReleaseCommand)
        .onMessage(StartRelease.class, this::onStart)
        .onMessage(CandidateDone.class, this::onCandidateDone)
        .onMessage(Switch.class, this::onSwitch)
        .onMessage(SwitchDone.class, this::onSwitchDone)
        .onMessage(Abort.class, this::onAbort)
        .onMessage(RunDeploy.class, m -> rollout("rollout", m.request(), m.events()))
        .onMessage(RunRollback.class, this::onRunRollback)
        .onMessage(GetReleases.class, this::onGetReleases)
        .onMessage(
            AcquireLease.class,
            m ->
                reply(
                    m.replyTo(),
                    Leases.answer(
                        leases.acquire(
                            new AppEnv(m.app(), m.env()),
                            m.holder(),
                            Duration.ofMillis(m.ttlMillis()),
                            Instant.now()),
                        settings.server())))
        .onMessage(
            GetLease.class,
            m ->
                reply(
                    m.replyTo(),
                    Leases.answer(
                        leases.holder(new AppEnv(m.app(), m.env()), Instant.now()),
                        settings.server())))
        .onMessage(
            ReleaseLease.class,
            m -> {
              leases.release(new AppEnv(m.app(), m.env()), m.rolloutId());
              return this;
            })
        .onMessage(StoreSecrets.class, this::onStoreSecrets)
        .onMessage(GetSecretsDigest.class, this::onGetSecretsDigest)
        .onMessage(RunSecretsSync.class, this::onRunSecretsSync)
        .onMessage(
            ReadLogs.class,
            m ->
                ledgerState.app(m.app(), m.env()).isEmpty()
                    ? reply(
                        m.replyTo(), new LogLines(settings.server(), settings.region(), List.of()))
                    : replyLater(
                        m.replyTo(),
                        LocalLogs.readAsync(
                            store,
                            settings,
                            m.app(),
                            m.env(),
                            m.sinceEpochMillis(),
                            m.limit(),
                            blocking)))
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(SetScale.class, this::onSetScale)
        .onMessage(
            Endpoints.class,
            m -> {
              routes.tell(new RoutePublisher.Changed(m.change()));
              return this;
            })
        .onMessage(WakeUp.class, this::onWakeUp)
        .onMessage(StopApps.class, this::onStopApps)
        .onMessage(
            PublishChallenge.class,
            m ->
                reply(
                    m.replyTo(), relay.challengePublished(m.token(), m.keyAuthorization(), m.by())))
        .onMessage(
            WithdrawChallenge.class, m -> reply(m.replyTo(), relay.challengeWithdrawn(m.token())))
        .onMessage(
            FetchCertificate.class,
            m -> reply(m.replyTo(), relay.requested(m.host(), m.by(), m.orderIfMissing())))
        .onMessage(
            StoreCertificate.class,
            m -> replyLater(m.replyTo(), relay.receive(m.certificate(), m.from())))
        .onMessage(Reply.class, this::onReply)
        .build();
  }

  /** After a (re)start: every app with a current release runs again at its desired scale. */
  private void restoreApps() {
    for (NodeLedger.AppState app : ledgerState.apps().values()) {
      app.currentRelease()
          .ifPresent(
              rec -> {
                getContext()
                    .getLog()
                    .info(
                        "restoring {}/{} release {} with {} instance(s)",
                        app.app(),
                        app.env(),
                        rec.id(),
                        app.effectiveDesired());
                supervisor(new AppEnv(app.app(), app.env()))
                    .tell(
                        new AppSupervisor.Restore(
                            processes.spec(rec.request(), ledgerState), app.effectiveDesired()));
              });
    }
    acmeHosts.want(AcmeHost.wantedBy(ledgerState));
  }

  // ---- deploy ----

  private Behavior<Command> onPrepare(Prepare msg) {
    DeployRequest req = msg.request();
    String previous = current(new AppEnv(req.app(), req.env()));
    if (req.release().equals(previous)) {
      msg.replyTo().tell(new StepResult(settings.server(), true, true, null, List.of()));
      return this;
    }
    getContext()
        .pipeToSelf(
            offThread(
                () -> {
                  try {
                    store.verify(req.artifactSha256());
                    store.extract(req.artifactSha256(), req.app(), req.env(), req.release());
                    return Done.getInstance();
                  } catch (ArtifactException e) {
                    throw new CompletionException(e);
                  }
                }),
            (ok, failure) ->
                new Prepared(
                    req,
                    msg.replyTo(),
                    failure == null ? null : StepResult.rootMessage(failure),
                    previous));
    return this;
  }

  private Behavior<Command> onPrepared(Prepared msg) {
    if (msg.error() != null) {
      msg.replyTo().tell(StepResult.failed(settings.server(), msg.error()));
      return this;
    }
    DeployRequest req = msg.request();
    var record = new NodeLedger.ReleaseRecord(req.release(), req, req.created(), req.by());
    return record(
        msg.replyTo(),
        r -> new NodeLedger.RecordRelease(record, r),
        new StepResult(settings.server(), true, false, null, List.of(), msg.previous()),
        "could not record the release: ");
  }

  private Behavior<Command> onRunReleaseCommand(RunReleaseCommand msg) {
    DeployRequest req = releaseRequest(new AppEnv(msg.app(), msg.env()), msg.release());
    if (req == null || req.releaseCommand() == null) {
      msg.replyTo().tell(StepResult.failed(settings.server(), "no release command to run"));
      return this;
    }
    var spec = processes.spec(req, ledgerState);
    getContext()
        .pipeToSelf(
            offThread(() -> ReleaseCommand.run(spec, req.releaseCommand(), settings)),
            (result, failure) ->
                new Reply<>(
                    msg.replyTo(),
                    failure == null
                        ? result
                        : StepResult.failed(
                            settings.server(),
                            "the release command failed: " + StepResult.rootMessage(failure))));
    return this;
  }

  private Behavior<Command> onStart(StartRelease msg) {
    AppEnv app = new AppEnv(msg.app(), msg.env());
    DeployRequest req = releaseRequest(app, msg.release());
    if (req == null) {
      msg.replyTo()
          .tell(
              StepResult.failed(
                  settings.server(), "release " + msg.release() + " was not prepared here"));
      return this;
    }
    // The supervisor starts at least one (a deploy at zero has one warm instance until it is idle).
    int instances =
        Math.min(
            settings.maxInstances(),
            ledgerState
                .app(msg.app(), msg.env())
                .map(a -> a.desired() != null ? a.desired() : req.instances())
                .orElse(req.instances()));
    started.put(app, msg.release());
    var spec = processes.spec(req, ledgerState);
    getContext()
        .ask(
            AppSupervisor.CandidateResult.class,
            supervisor(app),
            supervisorSettings
                .startTimeout()
                .plus(supervisorSettings.stabilityWindow())
                .plusSeconds(15),
            r -> new AppSupervisor.StartCandidate(spec, instances, r),
            (result, failure) -> new CandidateDone(msg.replyTo(), result, failure));
    return this;
  }

  private Behavior<Command> onCandidateDone(CandidateDone msg) {
    if (msg.failure() != null) {
      msg.replyTo()
          .tell(StepResult.failed(settings.server(), "starting timed out: " + msg.failure()));
    } else if (msg.result() instanceof AppSupervisor.CandidateFailed f) {
      String error = f.reason() + (f.exitCode() != null ? " (exit code " + f.exitCode() + ")" : "");
      msg.replyTo().tell(new StepResult(settings.server(), false, false, error, f.lastStderr()));
    } else {
      msg.replyTo().tell(StepResult.ok(settings.server()));
    }
    return this;
  }

  private Behavior<Command> onSwitch(Switch msg) {
    AppEnv app = new AppEnv(msg.app(), msg.env());
    ActorRef<AppSupervisor.Command> sup = supervisors.get(app);
    String candidate = started.get(app);
    if (sup == null || !msg.release().equals(candidate)) {
      msg.replyTo()
          .tell(
              StepResult.failed(
                  settings.server(),
                  "release "
                      + msg.release()
                      + " was not started here, nothing to switch to"
                      + (candidate == null
                          ? ""
                          : "; release " + candidate + " is being deployed; wait and retry")));
      return this;
    }
    started.remove(app);
    getContext()
        .ask(
            Done.class,
            sup,
            settings.askTimeout(),
            AppSupervisor.PromoteCandidate::new,
            (done, failure) -> new SwitchDone(app, msg.release(), msg.replyTo(), failure));
    return this;
  }

  private Behavior<Command> onSwitchDone(SwitchDone msg) {
    if (msg.failure() != null) {
      msg.replyTo()
          .tell(
              StepResult.failed(settings.server(), "switch failed: " + msg.failure().getMessage()));
      return this;
    }
    return recordWithStatus(
        msg.replyTo(),
        r -> new NodeLedger.Activate(msg.app().app(), msg.app().env(), msg.release(), r),
        StepResult.ok(settings.server()),
        "could not record the switch: ");
  }

  private Behavior<Command> onAbort(Abort msg) {
    AppEnv app = new AppEnv(msg.app(), msg.env());
    ActorRef<AppSupervisor.Command> sup = supervisors.get(app);
    if (sup == null || !msg.release().equals(started.get(app))) {
      // Nothing of this release runs beside the current one (or another deploy's does: keep it).
      msg.replyTo().tell(StepResult.ok(settings.server()));
      return this;
    }
    started.remove(app);
    getContext()
        .ask(
            Done.class,
            sup,
            supervisorSettings.termGrace().plus(settings.askTimeout()),
            AppSupervisor.AbortCandidate::new,
            (done, failure) ->
                new Recorded(
                    msg.replyTo(),
                    failure == null
                        ? StepResult.ok(settings.server())
                        : StepResult.failed(settings.server(), "abort failed: " + failure)));
    return this;
  }

  /** Asks the ledger to record something, then reads it again before answering {@code ok}. */
  private Behavior<Command> record(
      ActorRef<StepResult> replyTo,
      Function<ActorRef<Done>, NodeLedger.Command> write,
      StepResult ok,
      String failedPrefix) {
    getContext()
        .ask(
            Done.class,
            ledger,
            settings.askTimeout(),
            write::apply,
            (done, failure) -> recorded(replyTo, failure, ok, failedPrefix));
    return this;
  }

  /** {@link #record} for the ledger commands that answer with a status. */
  private Behavior<Command> recordWithStatus(
      ActorRef<StepResult> replyTo,
      Function<ActorRef<StatusReply<Done>>, NodeLedger.Command> write,
      StepResult ok,
      String failedPrefix) {
    getContext()
        .askWithStatus(
            Done.class,
            ledger,
            settings.askTimeout(),
            write::apply,
            (done, failure) -> recorded(replyTo, failure, ok, failedPrefix));
    return this;
  }

  private Recorded recorded(
      ActorRef<StepResult> replyTo, Throwable failure, StepResult ok, String failedPrefix) {
    return new Recorded(
        replyTo,
        failure == null ? ok : StepResult.failed(settings.server(), failedPrefix + failure));
  }

  private Behavior<Command> onRecorded(Recorded msg) {
    getContext()
        .ask(
            NodeLedger.State.class,
            ledger,
            settings.askTimeout(),
            NodeLedger.Get::new,
            (state, failure) -> new Refreshed(state, msg.replyTo(), msg.result()));
    return this;
  }

  /** After a switch, what the ledger no longer keeps goes, and ACME learns the hosts wanted now. */
  private Behavior<Command> onRefreshed(Refreshed msg) {
    if (msg.state() != null) {
      boolean switched = !currents(ledgerState).equals(currents(msg.state()));
      ledgerChanged(msg.state());
      if (switched) {
        ReleasePruning.pruneAsync(ledgerState, store, settings, blocking);
        acmeHosts.want(AcmeHost.wantedBy(ledgerState));
      }
    }
    msg.replyTo().tell(msg.result());
    return this;
  }

  private void ledgerChanged(NodeLedger.State state) {
    ledgerState = state;
    routes.tell(new RoutePublisher.LedgerChanged(state));
  }

  private static Map<String, String> currents(NodeLedger.State state) {
    Map<String, String> out = new HashMap<>();
    state.apps().forEach((k, a) -> out.put(k, String.valueOf(a.current())));
    return out;
  }

  private Behavior<Command> rollout(
      String kind, DeployRequest request, ActorRef<RolloutEvent> events) {
    rollouts++;
    getContext()
        .spawn(
            Rollout.create(request, events, null, settings, supervisorSettings),
            kind + "-" + rollouts + "-" + request.app());
    return this;
  }

  // ---- releases ----

  /** A rollback is a deploy of a recorded release, see {@link RollbackTarget}. */
  private Behavior<Command> onRunRollback(RunRollback msg) {
    RollbackTarget target = RollbackTarget.find(ledgerState, msg.request(), settings.server());
    if (target.error() != null) {
      msg.events()
          .tell(
              RolloutEvent.done(
                  new DeployResult(
                      false, msg.request().release(), List.of(), target.error(), false)));
      msg.events().tell(Rollout.END);
      return this;
    }
    return rollout("rollback", target.request(), msg.events());
  }

  private Behavior<Command> onGetReleases(GetReleases msg) {
    msg.replyTo()
        .tell(
            new ReleasesOnServer(
                settings.server(), ReleasesOnServer.known(ledgerState, msg.app(), msg.env())));
    return this;
  }

  // ---- leases ----

  // ---- secrets ----

  private Behavior<Command> onStoreSecrets(StoreSecrets msg) {
    String current = current(new AppEnv(msg.app(), msg.env()));
    var sealed = nodeKey.seal(msg.app(), msg.env(), msg.values());
    return record(
        msg.replyTo(),
        r -> new NodeLedger.SetSecrets(msg.app(), msg.env(), sealed, msg.digest(), r),
        new StepResult(settings.server(), true, false, null, List.of(), current),
        "could not store the secrets: ");
  }

  private Behavior<Command> onGetSecretsDigest(GetSecretsDigest msg) {
    String digest = ledgerState.secretsOf(msg.app(), msg.env()).digest();
    msg.replyTo().tell(new SecretsDigest(settings.server(), digest));
    return this;
  }

  private Behavior<Command> onRunSecretsSync(RunSecretsSync msg) {
    rollouts++;
    getContext()
        .spawn(
            Rollout.syncSecrets(msg.request(), msg.events(), settings, supervisorSettings),
            "secrets-" + rollouts + "-" + msg.request().app());
    return this;
  }

  // ---- logs, status, scale ----

  /** Every supervisor is asked by a {@link Gather} child, which answers. */
  private Behavior<Command> onGetStatus(GetStatus msg) {
    NodeLedger.State state = ledgerState;
    getContext()
        .spawnAnonymous(
            Gather.create(
                Map.copyOf(supervisors),
                AppSupervisor.AppStatus.class,
                AppSupervisor.GetStatus::new,
                settings.askTimeout(),
                answers ->
                    msg.replyTo()
                        .tell(ServerStatusReport.build(settings, state, answers, Instant.now()))));
    return this;
  }

  private Behavior<Command> onSetScale(SetScale msg) {
    if (msg.instances() > settings.maxInstances()) {
      msg.replyTo()
          .tell(
              StepResult.failed(
                  settings.server(),
                  msg.instances()
                      + " instances is above this server's cap of "
                      + settings.maxInstances()
                      + " (2 x CPUs unless node.conf sets tako.max-instances)"));
      return this;
    }
    ActorRef<AppSupervisor.Command> sup = supervisors.get(new AppEnv(msg.app(), msg.env()));
    getContext()
        .askWithStatus(
            Done.class,
            ledger,
            settings.askTimeout(),
            r -> new NodeLedger.SetDesired(msg.app(), msg.env(), msg.instances(), r),
            (done, failure) -> {
              if (failure == null && sup != null) {
                sup.tell(new AppSupervisor.Scale(msg.instances()));
              }
              return new Recorded(
                  msg.replyTo(),
                  failure == null
                      ? StepResult.ok(settings.server())
                      : StepResult.failed(settings.server(), StepResult.rootMessage(failure)));
            });
    return this;
  }

  // ---- the proxy and the node's life ----

  private Behavior<Command> onWakeUp(WakeUp msg) {
    ActorRef<AppSupervisor.Command> sup = supervisors.get(msg.app());
    if (sup != null) {
      sup.tell(AppSupervisor.WakeUp.INSTANCE);
    }
    return this;
  }

  /** Every supervisor stops its instances; a {@link Gather} child answers when all did. */
  private Behavior<Command> onStopApps(StopApps msg) {
    getContext()
        .spawnAnonymous(
            Gather.create(
                Map.copyOf(supervisors),
                Done.class,
                AppSupervisor.StopAll::new,
                supervisorSettings.termGrace().plusSeconds(2),
                answers -> msg.replyTo().tell(Done.getInstance())));
    return this;
  }

  // ---- certificates ----

  // ---- helpers ----

  private Behavior<Command> onReply(Reply<?> reply) {
    reply.send();
    return this;
  }

  private <T> Behavior<Command> reply(ActorRef<T> replyTo, T value) {
    replyTo.tell(value);
    return this;
  }

  /** Answers from the actor once {@code answer} completed (it must not fail). */
  private <T> Behavior<Command> replyLater(ActorRef<T> replyTo, CompletionStage<T> answer) {
    getContext().pipeToSelf(answer, (value, failure) -> new Reply<>(replyTo, value));
    return this;
  }

  private <T> CompletableFuture<T> offThread(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, blocking);
  }

  private ActorRef<AppSupervisor.Command> supervisor(AppEnv app) {
    return supervisors.computeIfAbsent(
        app,
        k ->
            getContext()
                .spawn(
                    AppSupervisor.create(
                        app.app(), app.env(), supervisorSettings, endpointsAdapter, inFlight),
                    "app-" + app.app() + "-" + app.env()));
  }

  /** The release current here, or null. */
  private String current(AppEnv app) {
    return ledgerState.app(app.app(), app.env()).map(NodeLedger.AppState::current).orElse(null);
  }

  private DeployRequest releaseRequest(AppEnv app, String release) {
    return ledgerState
        .app(app.app(), app.env())
        .flatMap(a -> a.release(release))
        .map(NodeLedger.ReleaseRecord::request)
        .orElse(null);
  }
}
