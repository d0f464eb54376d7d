package dev.tako.node;

import dev.tako.node.tls.AcmeHost;
import dev.tako.node.tls.AcmeHosts;
import dev.tako.node.tls.CertificateExchange;
import dev.tako.node.tls.SharedCertificate;
import dev.tako.persistence.ArtifactException;
import dev.tako.persistence.ArtifactStore;
import dev.tako.persistence.NodeLedger;
import dev.tako.protocol.CborSerializable;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.api.DeployResult;
import dev.tako.protocol.api.RollbackRequest;
import dev.tako.protocol.api.RolloutEvent;
import dev.tako.protocol.api.StatusView;
import dev.tako.proxy.RouteTable;
import dev.tako.proxy.Upstream;
import dev.tako.supervisor.AppSupervisor;
import dev.tako.supervisor.AppSupervisor.EndpointsChanged;
import dev.tako.supervisor.InFlight;
import dev.tako.supervisor.ReleaseSpec;
import dev.tako.supervisor.SupervisorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The node's single writer at run time: prepares releases (checksum, safe extraction), starts and
 * switches them through one {@link AppSupervisor} per app/env, keeps the proxy's route table in
 * line with the ready instances of each current release, and records what must survive a restart in
 * the {@link NodeLedger}. After a restart it brings every app back from the ledger by itself.
 *
 * <p>Rollouts (one per deploy, coordinated from whichever node the CLI reached) talk to it through
 * the cross-node messages below; every failure they can expect is a {@link StepResult} with ok =
 * false and a message for the user, never an exception.
 */
public final class NodeAgent extends AbstractBehavior<NodeAgent.Command> {

  /** Everything the agent accepts. Only the records that also implement CborSerializable travel. */
  public interface Command {}

  public static ServiceKey<Command> key(String server) {
    return ServiceKey.create(Command.class, "tako-node-agent-" + server);
  }

  /**
   * Verify and extract the uploaded artifact, record the release. Replies unchanged when current.
   */
  public record Prepare(DeployRequest request, ActorRef<StepResult> replyTo)
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

  /** This server's apps, for {@code tako status}. */
  public record GetStatus(ActorRef<ServerStatus> replyTo) implements Command, CborSerializable {}

  /** Coordinate a deploy across the request's servers from this node. */
  public record RunDeploy(DeployRequest request, ActorRef<RolloutEvent> events)
      implements Command, CborSerializable {}

  /** Coordinate a rollback: the target release comes from this node's ledger. */
  public record RunRollback(RollbackRequest request, ActorRef<RolloutEvent> events)
      implements Command, CborSerializable {}

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

  /** Run tako.toml's {@code release} command once here, with the release's environment. */
  public record RunReleaseCommand(
      String app, String env, String release, ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {}

  /** The releases of an app/env this server holds. */
  public record GetReleases(String app, String env, ActorRef<ReleasesOnServer> replyTo)
      implements Command, CborSerializable {}

  public record ReleasesOnServer(String server, List<ReleaseHistory.Known> releases)
      implements CborSerializable {
    public ReleasesOnServer {
      releases = List.copyOf(releases);
    }
  }

  /**
   * This server's log lines of an app/env at or after a time, the newest {@code limit} of them in
   * time order (see {@link LogReader}).
   */
  public record ReadLogs(
      String app, String env, long sinceEpochMillis, int limit, ActorRef<LogLines> replyTo)
      implements Command, CborSerializable {}

  public record LogLines(String server, String region, List<dev.tako.protocol.api.LogLine> lines)
      implements CborSerializable {
    public LogLines {
      lines = List.copyOf(lines);
    }
  }

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

  public record SecretsDigest(String server, String digest) implements CborSerializable {}

  /** Coordinate {@code tako secrets sync} from this node. */
  public record RunSecretsSync(
      dev.tako.protocol.api.SecretsRequest request, ActorRef<RolloutEvent> events)
      implements Command, CborSerializable {}

  /**
   * A request arrived for an app scaled to zero (from the proxy, coalesced per app): start one
   * instance of its current release. Unknown apps are ignored. Local only.
   */
  public record WakeUp(String appKey) implements Command, NoSerializationVerificationNeeded {}

  /** Set the desired instances of an app/env here (persisted; survives deploys and restarts). */
  public record SetScale(String app, String env, int instances, ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {}

  /**
   * Stop every app process on this node (the node is shutting down). Local only: sent by this
   * node's own shutdown task, so it is exempt from forced serialization in tests.
   */
  public record StopApps(ActorRef<Done> replyTo)
      implements Command, NoSerializationVerificationNeeded {}

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
   * @param certificate null when this server has none that is not due
   */
  public record CertificateCopy(String server, SharedCertificate certificate)
      implements CborSerializable {}

  /**
   * Store and serve a certificate ordered by another node; ok, and unchanged when this node has one
   * that expires no earlier. Its toString never shows the key.
   */
  public record StoreCertificate(
      SharedCertificate certificate, String from, ActorRef<StepResult> replyTo)
      implements Command, CborSerializable {}

  /** The outcome of one step on one server. */
  public record StepResult(
      String server,
      boolean ok,
      boolean unchanged,
      String error,
      List<String> lastStderr,
      String previous)
      implements CborSerializable {
    public StepResult {
      lastStderr = lastStderr == null ? List.of() : List.copyOf(lastStderr);
    }

    public StepResult(
        String server, boolean ok, boolean unchanged, String error, List<String> lastStderr) {
      this(server, ok, unchanged, error, lastStderr, null);
    }

    static StepResult ok(String server) {
      return new StepResult(server, true, false, null, List.of());
    }

    static StepResult failed(String server, String error) {
      return new StepResult(server, false, false, error, List.of());
    }
  }

  /** One server's apps. */
  public record ServerStatus(String server, String region, List<AppOnServer> apps)
      implements CborSerializable {
    public ServerStatus {
      apps = List.copyOf(apps);
    }
  }

  public record AppOnServer(
      String app, String env, List<String> routes, StatusView.ServerAppView view)
      implements CborSerializable {
    public AppOnServer {
      routes = List.copyOf(routes);
    }
  }

  private record LedgerLoaded(NodeLedger.State state) implements Command {}

  private record Prepared(
      DeployRequest request, ActorRef<StepResult> replyTo, String error, String previous)
      implements Command {}

  private record ReleaseCommandDone(ActorRef<StepResult> replyTo, StepResult result)
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
      String app, String env, String release, ActorRef<StepResult> replyTo, Throwable failure)
      implements Command {}

  private final NodeSettings settings;
  private final SupervisorSettings supervisorSettings;
  private final ActorRef<NodeLedger.Command> ledger;
  private final ActorRef<RouteTable.Command> routeTable;
  private final ArtifactStore store;
  private final Executor blocking;
  private final ActorRef<EndpointsChanged> endpointsAdapter;
  private final Map<String, ActorRef<AppSupervisor.Command>> supervisors = new HashMap<>();

  /**
   * appKey → the release last started beside the current one and not yet switched or aborted. A
   * supervisor has one candidate at a time, so Switch and Abort act only when they name it: a
   * second deploy of the same app must neither switch to nor stop the other deploy's instances.
   */
  private final Map<String, String> started = new HashMap<>();

  private static final org.slf4j.Logger PRUNE_LOG =
      org.slf4j.LoggerFactory.getLogger(NodeAgent.class);

  private final Leases leases = new Leases();
  private final NodeKey nodeKey;
  private NodeLedger.State ledgerState;
  private int rollouts;

  public static Behavior<Command> create(
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<NodeLedger.Command> ledger,
      ActorRef<RouteTable.Command> routeTable) {
    return create(settings, supervisorSettings, ledger, routeTable, InFlight.NONE);
  }

  /**
   * @param inFlight the proxy's count of requests in flight per instance port, so a switch drains
   *     old instances until their last request finished
   */
  public static Behavior<Command> create(
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<NodeLedger.Command> ledger,
      ActorRef<RouteTable.Command> routeTable,
      InFlight inFlight) {
    return create(settings, supervisorSettings, ledger, routeTable, inFlight, AcmeHosts.NONE);
  }

  /**
   * @param acmeHosts told every host that wants an ACME certificate here, whenever a current
   *     release changes and after a restart
   */
  public static Behavior<Command> create(
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<NodeLedger.Command> ledger,
      ActorRef<RouteTable.Command> routeTable,
      InFlight inFlight,
      AcmeHosts acmeHosts) {
    return create(
        settings,
        supervisorSettings,
        ledger,
        routeTable,
        inFlight,
        acmeHosts,
        CertificateExchange.NONE);
  }

  /**
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
                ctx -> {
                  NodeAgent agent =
                      new NodeAgent(ctx, settings, supervisorSettings, ledger, routeTable);
                  agent.inFlight = inFlight;
                  agent.acmeHosts = acmeHosts;
                  agent.certificates = certificates;
                  return agent.loading(stash);
                }));
  }

  /** Commands that may wait for the ledger at start before the oldest are dropped. */
  private static final int LOADING_STASH = 10_000;

  /**
   * Until the ledger's state is loaded, every other command waits: one answered on the empty state
   * of a new agent (a deploy right after the node started) would be undone when the loaded state
   * replaced the newer one.
   */
  private Behavior<Command> loading(StashBuffer<Command> stash) {
    return Behaviors.receive(Command.class)
        .onMessage(
            LedgerLoaded.class,
            msg -> {
              onLedgerLoaded(msg);
              return stash.unstashAll(this);
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

  private InFlight inFlight = InFlight.NONE;
  private AcmeHosts acmeHosts = AcmeHosts.NONE;
  private CertificateExchange certificates = CertificateExchange.NONE;

  private NodeAgent(
      ActorContext<Command> ctx,
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<NodeLedger.Command> ledger,
      ActorRef<RouteTable.Command> routeTable) {
    super(ctx);
    this.settings = settings;
    this.supervisorSettings = supervisorSettings;
    this.ledger = ledger;
    this.routeTable = routeTable;
    this.store = new ArtifactStore(settings.home());
    try {
      this.nodeKey = NodeKey.loadOrCreate(settings.home());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot use the node key: " + e.getMessage(), e);
    }
    this.blocking =
        ctx.getSystem()
            .dispatchers()
            .lookup(DispatcherSelector.fromConfig("tako.blocking-dispatcher"));
    this.endpointsAdapter = ctx.messageAdapter(EndpointsChanged.class, Endpoints::new);
    ctx.getSystem()
        .receptionist()
        .tell(Receptionist.register(key(settings.server()), ctx.getSelf()));
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

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Prepare.class, this::onPrepare)
        .onMessage(Prepared.class, this::onPrepared)
        .onMessage(Recorded.class, this::onRecorded)
        .onMessage(Refreshed.class, this::onRefreshed)
        .onMessage(StartRelease.class, this::onStart)
        .onMessage(CandidateDone.class, this::onCandidateDone)
        .onMessage(Switch.class, this::onSwitch)
        .onMessage(SwitchDone.class, this::onSwitchDone)
        .onMessage(Abort.class, this::onAbort)
        .onMessage(Endpoints.class, this::onEndpoints)
        .onMessage(WakeUp.class, this::onWakeUp)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(RunDeploy.class, this::onRunDeploy)
        .onMessage(RunRollback.class, this::onRunRollback)
        .onMessage(AcquireLease.class, this::onAcquireLease)
        .onMessage(ReleaseLease.class, this::onReleaseLease)
        .onMessage(GetLease.class, this::onGetLease)
        .onMessage(RunReleaseCommand.class, this::onRunReleaseCommand)
        .onMessage(
            ReleaseCommandDone.class,
            m -> {
              m.replyTo().tell(m.result());
              return this;
            })
        .onMessage(GetReleases.class, this::onGetReleases)
        .onMessage(SetScale.class, this::onSetScale)
        .onMessage(StoreSecrets.class, this::onStoreSecrets)
        .onMessage(
            GetSecretsDigest.class,
            m -> {
              m.replyTo()
                  .tell(
                      new SecretsDigest(
                          settings.server(),
                          ledgerState == null
                              ? null
                              : ledgerState.secretsOf(m.app(), m.env()).digest()));
              return this;
            })
        .onMessage(
            RunSecretsSync.class,
            m -> {
              rollouts++;
              getContext()
                  .spawn(
                      Rollout.syncSecrets(m.request(), m.events(), settings, supervisorSettings),
                      "secrets-" + rollouts + "-" + m.request().app());
              return this;
            })
        .onMessage(ReadLogs.class, this::onReadLogs)
        .onMessage(StopApps.class, this::onStopApps)
        .onMessage(PublishChallenge.class, this::onPublishChallenge)
        .onMessage(
            WithdrawChallenge.class,
            m -> {
              certificates.challengeWithdrawn(m.token());
              m.replyTo().tell(StepResult.ok(settings.server()));
              return this;
            })
        .onMessage(
            FetchCertificate.class,
            m -> {
              m.replyTo()
                  .tell(
                      new CertificateCopy(
                          settings.server(),
                          certificates.requested(m.host(), m.by(), m.orderIfMissing())));
              return this;
            })
        .onMessage(StoreCertificate.class, this::onStoreCertificate)
        .build();
  }

  private Behavior<Command> onPublishChallenge(PublishChallenge m) {
    certificates.challengePublished(m.token(), m.keyAuthorization(), m.by());
    m.replyTo().tell(StepResult.ok(settings.server()));
    return this;
  }

  /** Writes the node home, so off the actor thread; the reply goes straight from there. */
  private Behavior<Command> onStoreCertificate(StoreCertificate m) {
    String server = settings.server();
    CompletableFuture.supplyAsync(
            () -> {
              try {
                return certificates.receive(m.certificate(), m.from());
              } catch (java.io.IOException e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            },
            blocking)
        .whenComplete(
            (taken, failure) ->
                m.replyTo()
                    .tell(
                        failure == null
                            ? new StepResult(server, true, !taken, null, List.of())
                            : StepResult.failed(server, rootMessage(failure))));
    return this;
  }

  private static String appKey(String app, String env) {
    return app + "/" + env;
  }

  /** After a (re)start: every app with a current release runs again at its desired scale. */
  private Behavior<Command> onLedgerLoaded(LedgerLoaded msg) {
    ledgerState = msg.state();
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
                supervisor(app.app(), app.env())
                    .tell(new AppSupervisor.Restore(spec(rec.request()), app.effectiveDesired()));
              });
    }
    acmeHosts.want(AcmeHost.wantedBy(ledgerState));
    return this;
  }

  private Behavior<Command> onPrepare(Prepare msg) {
    DeployRequest req = msg.request();
    boolean unchanged =
        ledgerState != null
            && ledgerState
                .app(req.app(), req.env())
                .map(a -> req.release().equals(a.current()))
                .orElse(false);
    if (unchanged) {
      msg.replyTo().tell(new StepResult(settings.server(), true, true, null, List.of()));
      return this;
    }
    String previous =
        ledgerState == null
            ? null
            : ledgerState.app(req.app(), req.env()).map(NodeLedger.AppState::current).orElse(null);
    CompletionStage<Void> work =
        CompletableFuture.runAsync(
            () -> {
              try {
                store.verify(req.artifactSha256());
                store.extract(req.artifactSha256(), req.app(), req.env(), req.release());
              } catch (ArtifactException e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            },
            blocking);
    getContext()
        .pipeToSelf(
            work,
            (ok, failure) ->
                new Prepared(
                    req, msg.replyTo(), failure == null ? null : rootMessage(failure), previous));
    return this;
  }

  private Behavior<Command> onPrepared(Prepared msg) {
    if (msg.error() != null) {
      msg.replyTo().tell(StepResult.failed(settings.server(), msg.error()));
      return this;
    }
    DeployRequest req = msg.request();
    NodeLedger.ReleaseRecord record =
        new NodeLedger.ReleaseRecord(req.release(), req, req.created(), req.by());
    getContext()
        .ask(
            Done.class,
            ledger,
            settings.askTimeout(),
            r -> new NodeLedger.RecordRelease(record, r),
            (done, failure) ->
                failure != null
                    ? new Recorded(
                        msg.replyTo(),
                        StepResult.failed(
                            settings.server(), "could not record the release: " + failure))
                    : new Recorded(
                        msg.replyTo(),
                        new StepResult(
                            settings.server(), true, false, null, List.of(), msg.previous())));
    return this;
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

  private Behavior<Command> onRefreshed(Refreshed msg) {
    if (msg.state() != null) {
      boolean switched =
          ledgerState == null || !currents(ledgerState).equals(currents(msg.state()));
      ledgerState = msg.state();
      if (switched) {
        pruneAsync(ledgerState);
        acmeHosts.want(AcmeHost.wantedBy(ledgerState));
      }
    }
    msg.replyTo().tell(msg.result());
    return this;
  }

  private static Map<String, String> currents(NodeLedger.State state) {
    Map<String, String> out = new HashMap<>();
    state.apps().forEach((k, a) -> out.put(k, String.valueOf(a.current())));
    return out;
  }

  /**
   * After a switch: release directories and artifacts the ledger no longer keeps (it keeps the last
   * 10 releases per app) are deleted, off the actor thread. Artifacts younger than an hour stay:
   * one may belong to a deploy on its way here. Logs of past instances beyond {@link
   * LogRetention}'s bounds go too.
   */
  private void pruneAsync(NodeLedger.State state) {
    Map<String, java.util.Set<String>> keepReleases = new HashMap<>();
    java.util.Set<String> keepShas = new java.util.HashSet<>();
    Map<String, String[]> appEnvs = new HashMap<>();
    state
        .apps()
        .forEach(
            (k, a) -> {
              java.util.Set<String> ids = new java.util.HashSet<>();
              a.releases()
                  .forEach(
                      r -> {
                        ids.add(r.id());
                        keepShas.add(r.request().artifactSha256());
                      });
              keepReleases.put(k, ids);
              appEnvs.put(k, new String[] {a.app(), a.env()});
            });
    CompletableFuture.runAsync(
            () -> {
              appEnvs.forEach((k, ae) -> store.pruneReleases(ae[0], ae[1], keepReleases.get(k)));
              store.pruneArtifacts(keepShas, Duration.ofHours(1));
              pruneLogs(appEnvs.values());
            },
            blocking)
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                PRUNE_LOG.warn("pruning old releases failed: {}", e.getMessage());
              }
            });
  }

  /** Deletes the logs of past instances beyond {@link LogRetention}'s bounds; blocking I/O. */
  private void pruneLogs(java.util.Collection<String[]> appEnvs) {
    java.util.Set<String> running;
    try {
      running = LogRetention.running(settings.home().resolve("run"));
    } catch (java.io.IOException e) {
      PRUNE_LOG.warn("cannot list the running instances: {}", e.toString());
      return;
    }
    for (String[] ae : appEnvs) {
      try {
        List<String> gone =
            LogRetention.prune(
                store.logsDir(ae[0], ae[1]),
                ae[0],
                running,
                java.time.Instant.now(),
                settings.logsMaxBytes(),
                settings.logsMaxAge());
        if (!gone.isEmpty()) {
          PRUNE_LOG.info(
              "deleted the logs of {} past instance(s) of {}/{}", gone.size(), ae[0], ae[1]);
        }
      } catch (java.io.IOException e) {
        PRUNE_LOG.warn("pruning the logs of {}/{} failed: {}", ae[0], ae[1], e.toString());
      }
    }
  }

  private Behavior<Command> onStart(StartRelease msg) {
    DeployRequest req = releaseRequest(msg.app(), msg.env(), msg.release());
    if (req == null) {
      msg.replyTo()
          .tell(
              StepResult.failed(
                  settings.server(), "release " + msg.release() + " was not prepared here"));
      return this;
    }
    int desired =
        ledgerState
            .app(msg.app(), msg.env())
            .map(a -> a.desired() != null ? a.desired() : req.instances())
            .orElse(req.instances());
    if (desired > settings.maxInstances()) {
      desired = settings.maxInstances();
    }
    // The supervisor starts at least one (a deploy at zero has one warm instance until it is idle).
    int instances = desired;
    started.put(appKey(msg.app(), msg.env()), msg.release());
    getContext()
        .ask(
            AppSupervisor.CandidateResult.class,
            supervisor(msg.app(), msg.env()),
            supervisorSettings
                .startTimeout()
                .plus(supervisorSettings.stabilityWindow())
                .plusSeconds(15),
            r -> new AppSupervisor.StartCandidate(spec(req), instances, r),
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
    String key = appKey(msg.app(), msg.env());
    ActorRef<AppSupervisor.Command> sup = supervisors.get(key);
    String candidate = started.get(key);
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
    started.remove(key);
    getContext()
        .ask(
            Done.class,
            sup,
            settings.askTimeout(),
            AppSupervisor.PromoteCandidate::new,
            (done, failure) ->
                new SwitchDone(msg.app(), msg.env(), msg.release(), msg.replyTo(), failure));
    return this;
  }

  private Behavior<Command> onSwitchDone(SwitchDone msg) {
    if (msg.failure() != null) {
      msg.replyTo()
          .tell(
              StepResult.failed(settings.server(), "switch failed: " + msg.failure().getMessage()));
      return this;
    }
    getContext()
        .askWithStatus(
            Done.class,
            ledger,
            settings.askTimeout(),
            r -> new NodeLedger.Activate(msg.app(), msg.env(), msg.release(), r),
            (done, failure) ->
                new Recorded(
                    msg.replyTo(),
                    failure == null
                        ? StepResult.ok(settings.server())
                        : StepResult.failed(
                            settings.server(), "could not record the switch: " + failure)));
    return this;
  }

  private Behavior<Command> onAbort(Abort msg) {
    String key = appKey(msg.app(), msg.env());
    ActorRef<AppSupervisor.Command> sup = supervisors.get(key);
    if (sup == null || !msg.release().equals(started.get(key))) {
      // Nothing of this release runs beside the current one (or another deploy's does: keep it).
      msg.replyTo().tell(StepResult.ok(settings.server()));
      return this;
    }
    started.remove(key);
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

  /** Ready instances of a current release changed: publish them to the proxy with its routes. */
  private Behavior<Command> onEndpoints(Endpoints msg) {
    EndpointsChanged change = msg.change();
    DeployRequest req = releaseRequest(change.app(), change.env(), change.release());
    List<String> routes = req == null ? List.of() : req.routes();
    List<Upstream> upstreams = new ArrayList<>();
    change.endpoints().forEach(e -> upstreams.add(new Upstream(e.host(), e.port())));
    boolean secure = req != null && req.tls() != null && !"off".equals(req.tls());
    Path publicDir = null;
    if (req != null) {
      Path candidate =
          store.releaseDir(change.app(), change.env(), change.release()).resolve("public");
      if (Files.isDirectory(candidate)) {
        publicDir = candidate;
      }
    }
    routeTable.tell(
        new RouteTable.SetApp(
            appKey(change.app(), change.env()),
            routes,
            List.copyOf(upstreams),
            change.cold(),
            change.wakeFailures(),
            secure,
            publicDir));
    return this;
  }

  private Behavior<Command> onWakeUp(WakeUp msg) {
    ActorRef<AppSupervisor.Command> sup = supervisors.get(msg.appKey());
    if (sup != null) {
      sup.tell(AppSupervisor.WakeUp.INSTANCE);
    }
    return this;
  }

  private Behavior<Command> onStopApps(StopApps msg) {
    Duration timeout = supervisorSettings.termGrace().plusSeconds(2);
    CompletableFuture<?>[] stops =
        supervisors.values().stream()
            .map(
                sup ->
                    AskPattern.<AppSupervisor.Command, Done>ask(
                            sup,
                            AppSupervisor.StopAll::new,
                            timeout,
                            getContext().getSystem().scheduler())
                        .toCompletableFuture())
            .toArray(CompletableFuture[]::new);
    CompletableFuture.allOf(stops).whenComplete((v, e) -> msg.replyTo().tell(Done.getInstance()));
    return this;
  }

  private Behavior<Command> onRunDeploy(RunDeploy msg) {
    rollouts++;
    getContext()
        .spawn(
            Rollout.create(msg.request(), msg.events(), null, settings, supervisorSettings),
            "rollout-" + rollouts + "-" + msg.request().app());
    return this;
  }

  /**
   * A rollback is a deploy of a recorded release: its original request, to the servers asked for.
   * The target is the named release, or the one before the current here.
   */
  private Behavior<Command> onRunRollback(RunRollback msg) {
    RollbackRequest rb = msg.request();
    var app =
        ledgerState == null
            ? java.util.Optional.<NodeLedger.AppState>empty()
            : ledgerState.app(rb.app(), rb.env());
    String error = null;
    NodeLedger.ReleaseRecord target = null;
    if (app.isEmpty() || app.get().current() == null) {
      error = rb.app() + "/" + rb.env() + " is not deployed on " + settings.server();
    } else if (rb.release() != null) {
      target = app.get().release(rb.release()).orElse(null);
      if (target == null) {
        error =
            "release "
                + rb.release()
                + " is not known on "
                + settings.server()
                + " (see tako releases ls; each server keeps the last 10)";
      }
    } else {
      List<NodeLedger.ReleaseRecord> releases = app.get().releases();
      for (int i = releases.size() - 1; i > 0; i--) {
        if (releases.get(i).id().equals(app.get().current())) {
          target = releases.get(i - 1);
          break;
        }
      }
      if (target == null) {
        error = "there is no release before " + app.get().current() + " on " + settings.server();
      }
    }
    if (error != null) {
      DeployResult r = new DeployResult(false, rb.release(), List.of(), error, false);
      msg.events().tell(RolloutEvent.done(r));
      msg.events().tell(Rollout.END);
      return this;
    }
    DeployRequest o = target.request();
    DeployRequest req =
        new DeployRequest(
            o.app(),
            o.env(),
            o.release(),
            o.artifactSha256(),
            o.start(),
            o.health(),
            o.instances(),
            o.idleTimeout(),
            null,
            o.vars(),
            o.routes(),
            rb.servers(),
            o.strategy(),
            null,
            o.tls(),
            o.acmeEmail(),
            o.acmeDirectory(),
            o.by(),
            o.created());
    rollouts++;
    getContext()
        .spawn(
            Rollout.create(req, msg.events(), null, settings, supervisorSettings),
            "rollback-" + rollouts + "-" + rb.app());
    return this;
  }

  private Behavior<Command> onAcquireLease(AcquireLease msg) {
    var holder =
        leases.acquire(
            appKey(msg.app(), msg.env()),
            msg.holder(),
            Duration.ofMillis(msg.ttlMillis()),
            Instant.now());
    msg.replyTo().tell(leaseAnswer(holder));
    return this;
  }

  private Behavior<Command> onGetLease(GetLease msg) {
    var holder = leases.holder(appKey(msg.app(), msg.env()), Instant.now());
    msg.replyTo().tell(leaseAnswer(holder));
    return this;
  }

  /** Ok when the lock is free (or ours), else who holds it. */
  private StepResult leaseAnswer(java.util.Optional<Leases.Holder> holder) {
    return holder.isEmpty()
        ? StepResult.ok(settings.server())
        : StepResult.failed(
            settings.server(), holder.get().describe() + " holds it on " + settings.server());
  }

  private Behavior<Command> onReleaseLease(ReleaseLease msg) {
    leases.release(appKey(msg.app(), msg.env()), msg.rolloutId());
    return this;
  }

  private Behavior<Command> onRunReleaseCommand(RunReleaseCommand msg) {
    DeployRequest req = releaseRequest(msg.app(), msg.env(), msg.release());
    if (req == null || req.releaseCommand() == null) {
      msg.replyTo().tell(StepResult.failed(settings.server(), "no release command to run"));
      return this;
    }
    ReleaseSpec spec = spec(req);
    CompletionStage<StepResult> run =
        CompletableFuture.supplyAsync(
            () -> ReleaseCommand.run(spec, req.releaseCommand(), settings), blocking);
    getContext()
        .pipeToSelf(
            run,
            (result, failure) ->
                new ReleaseCommandDone(
                    msg.replyTo(),
                    failure == null
                        ? result
                        : StepResult.failed(
                            settings.server(),
                            "the release command failed: " + rootMessage(failure))));
    return this;
  }

  private Behavior<Command> onGetReleases(GetReleases msg) {
    List<ReleaseHistory.Known> known = new ArrayList<>();
    if (ledgerState != null) {
      ledgerState
          .app(msg.app(), msg.env())
          .ifPresent(
              a ->
                  a.releases()
                      .forEach(
                          r ->
                              known.add(
                                  new ReleaseHistory.Known(
                                      r.id(), r.created(), r.by(), r.id().equals(a.current())))));
    }
    msg.replyTo().tell(new ReleasesOnServer(settings.server(), known));
    return this;
  }

  /** Reads the log files on the blocking dispatcher and answers from there. */
  private Behavior<Command> onReadLogs(ReadLogs msg) {
    boolean known = ledgerState != null && ledgerState.app(msg.app(), msg.env()).isPresent();
    String server = settings.server();
    String region = settings.region();
    if (!known) {
      msg.replyTo().tell(new LogLines(server, region, List.of()));
      return this;
    }
    Path logsDir = store.logsDir(msg.app(), msg.env());
    CompletableFuture.supplyAsync(
            () -> {
              try {
                return LogReader.read(logsDir, msg.app(), msg.sinceEpochMillis(), msg.limit());
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            },
            blocking)
        .whenComplete(
            (entries, failure) -> {
              List<dev.tako.protocol.api.LogLine> lines = new ArrayList<>();
              if (entries != null) {
                for (LogReader.Entry e : entries) {
                  lines.add(
                      new dev.tako.protocol.api.LogLine(
                          dev.tako.supervisor.LogFormat.time(e.epochMillis()),
                          server,
                          region,
                          msg.app(),
                          msg.env(),
                          e.instance(),
                          e.stream(),
                          e.text()));
                }
              }
              msg.replyTo().tell(new LogLines(server, region, lines));
            });
    return this;
  }

  private Behavior<Command> onStoreSecrets(StoreSecrets msg) {
    String current =
        ledgerState == null
            ? null
            : ledgerState.app(msg.app(), msg.env()).map(NodeLedger.AppState::current).orElse(null);
    var sealed = nodeKey.seal(msg.app(), msg.env(), msg.values());
    String digest = msg.digest();
    getContext()
        .ask(
            Done.class,
            ledger,
            settings.askTimeout(),
            r -> new NodeLedger.SetSecrets(msg.app(), msg.env(), sealed, digest, r),
            (done, failure) ->
                new Recorded(
                    msg.replyTo(),
                    failure == null
                        ? new StepResult(settings.server(), true, false, null, List.of(), current)
                        : StepResult.failed(
                            settings.server(), "could not store the secrets: " + failure)));
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
    ActorRef<AppSupervisor.Command> sup = supervisors.get(appKey(msg.app(), msg.env()));
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
                      : StepResult.failed(settings.server(), rootMessage(failure)));
            });
    return this;
  }

  /**
   * Gathers every supervisor's status; the asks run outside the actor, the reply goes straight
   * back.
   */
  private Behavior<Command> onGetStatus(GetStatus msg) {
    Map<String, CompletionStage<AppSupervisor.AppStatus>> asks = new LinkedHashMap<>();
    Duration timeout = settings.askTimeout();
    supervisors.forEach(
        (key, sup) ->
            asks.put(
                key,
                AskPattern.ask(
                        sup,
                        AppSupervisor.GetStatus::new,
                        timeout,
                        getContext().getSystem().scheduler())
                    .exceptionally(e -> null)));
    NodeLedger.State state = ledgerState;
    CompletableFuture.allOf(
            asks.values().stream()
                .map(CompletionStage::toCompletableFuture)
                .toArray(CompletableFuture[]::new))
        .thenRun(() -> msg.replyTo().tell(buildStatus(state, asks)));
    return this;
  }

  private ServerStatus buildStatus(
      NodeLedger.State state, Map<String, CompletionStage<AppSupervisor.AppStatus>> asks) {
    List<AppOnServer> apps = new ArrayList<>();
    if (state != null) {
      for (NodeLedger.AppState app : state.apps().values()) {
        var current = app.currentRelease();
        if (current.isEmpty()) {
          continue;
        }
        AppSupervisor.AppStatus st =
            asks.containsKey(appKey(app.app(), app.env()))
                ? asks.get(appKey(app.app(), app.env())).toCompletableFuture().getNow(null)
                : null;
        Instant now = Instant.now();
        List<StatusView.InstanceView> instances =
            st == null ? List.of() : st.instances().stream().map(i -> i.toView(now)).toList();
        apps.add(
            new AppOnServer(
                app.app(),
                app.env(),
                current.get().request().routes(),
                new StatusView.ServerAppView(
                    settings.server(),
                    settings.region(),
                    app.current(),
                    app.effectiveDesired(),
                    settings.url(current.get().request().tls()),
                    false,
                    instances)));
      }
    }
    return new ServerStatus(settings.server(), settings.region(), apps);
  }

  private ActorRef<AppSupervisor.Command> supervisor(String app, String env) {
    return supervisors.computeIfAbsent(
        appKey(app, env),
        k ->
            getContext()
                .spawn(
                    AppSupervisor.create(app, env, supervisorSettings, endpointsAdapter, inFlight),
                    "app-" + app + "-" + env));
  }

  private DeployRequest releaseRequest(String app, String env, String release) {
    if (ledgerState == null) {
      return null;
    }
    return ledgerState
        .app(app, env)
        .flatMap(a -> a.release(release))
        .map(NodeLedger.ReleaseRecord::request)
        .orElse(null);
  }

  /** The process contract of SPEC §4 for a release on this server. */
  private ReleaseSpec spec(DeployRequest req) {
    Path releaseDir = store.releaseDir(req.app(), req.env(), req.release());
    Map<String, String> env = new LinkedHashMap<>(req.vars());
    env.put("TAKO_APP", req.app());
    env.put("TAKO_ENV", req.env());
    env.put("TAKO_RELEASE", req.release());
    env.put("TAKO_SERVER", settings.server());
    env.put("TAKO_REGION", settings.region());
    env.put("TAKO_DATA_DIR", store.dataDir(req.app(), req.env()).toString());
    if (ledgerState != null) {
      var sealed = ledgerState.secretsOf(req.app(), req.env()).sealed();
      if (!sealed.isEmpty()) {
        try {
          env.putAll(nodeKey.open(req.app(), req.env(), sealed));
        } catch (dev.tako.protocol.crypto.SecretException e) {
          getContext()
              .getLog()
              .error(
                  "the secrets of {}/{} cannot be opened with this node's key ({}); starting"
                      + " without them: run tako secrets sync",
                  req.app(),
                  req.env(),
                  e.getMessage());
        }
      }
    }
    return new ReleaseSpec(
        req.app(),
        req.env(),
        req.release(),
        releaseDir,
        req.start(),
        Map.copyOf(env),
        req.health(),
        store.logsDir(req.app(), req.env()),
        settings.home().resolve("run"),
        idleTimeout(req));
  }

  private Duration idleTimeout(DeployRequest req) {
    if (req.idleTimeout() == null || req.idleTimeout().isBlank()) {
      return ReleaseSpec.DEFAULT_IDLE_TIMEOUT;
    }
    try {
      return dev.tako.protocol.Durations.parse(req.idleTimeout());
    } catch (IllegalArgumentException e) {
      getContext()
          .getLog()
          .warn(
              "idle_timeout \"{}\" of {} is not a duration; using 5m",
              req.idleTimeout(),
              req.app());
      return ReleaseSpec.DEFAULT_IDLE_TIMEOUT;
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c != c.getCause()) {
      c = c.getCause();
    }
    return c.getMessage() != null ? c.getMessage() : c.toString();
  }
}
