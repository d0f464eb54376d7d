package dev.tako.node.converge;

import dev.tako.node.NodeAgent;
import dev.tako.node.NodeSettings;
import dev.tako.node.StepResult;
import dev.tako.node.converge.ConvergencePolicy.Action;
import dev.tako.node.peer.PeerAddress;
import dev.tako.node.peer.PeerClient;
import dev.tako.node.peer.PeerSettings;
import dev.tako.node.secrets.NodeKey;
import dev.tako.persistence.ArtifactStore;
import dev.tako.persistence.EnvHead;
import dev.tako.persistence.NodeLedger;
import dev.tako.protocol.CborSerializable;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.supervisor.SupervisorSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * This node's part in keeping every environment on its one current release ({@link EnvHead}). A
 * child of the {@link NodeAgent}; it owns the heads in the node's ledger and the catch-ups.
 *
 * <ul>
 *   <li><b>Decide</b>: a rollout coordinated here succeeded; the head becomes its release with one
 *       more than the highest generation known here, recorded, then announced to every peer.
 *   <li><b>Gossip</b>: every {@link #TICK} and whenever a peer (re)appears in the receptionist's
 *       listing, this node sends its heads to every peer; a receiver keeps the greater one per
 *       app/env ({@link EnvHead#ORDER}) and records it, so heads cross healed partitions and
 *       restarts. A few records per app: sending them whole is as cheap as a digest.
 *   <li><b>Catch up</b>: for every head of an environment this server belongs to, {@link
 *       ConvergencePolicy} decides; a {@link CatchUp} child does the work, one per app/env. It acts
 *       only on a decision seen on two evaluations in a row, so a rollout that is switching servers
 *       (its head not yet decided) is not undone, and it takes the app/env's lease like a rollout.
 *   <li><b>Serve peers</b>: which releases it holds, their artifacts as stream refs, its secrets.
 * </ul>
 *
 * <p>A failed catch-up is logged and retried with {@link ConvergencePolicy#backoff}; what serves
 * meanwhile keeps serving. Peers find each other by the one {@link #KEY}.
 */
public final class Convergence extends AbstractBehavior<Convergence.Command> {

  /** Every node's convergence actor registers under this key. */
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "tako-converge");

  /** How often heads are gossiped and decisions evaluated. */
  public static final Duration TICK = Duration.ofSeconds(5);

  public sealed interface Command {}

  /**
   * A rollout coordinated here succeeded (sent by it before it gives its leases back).
   *
   * @param release the release (null for a secrets sync: the head's release stays)
   * @param request the deploy request (null for a secrets sync)
   * @param secretsDigest the new secrets (secrets sync only, else null: unchanged)
   * @param servers the rollout's servers (the head keeps those the previous head had besides)
   * @param serving the servers that serve the release at the end of the rollout
   */
  public record Decide(
      String app,
      String env,
      String kind,
      String release,
      DeployRequest request,
      String secretsDigest,
      List<String> servers,
      List<String> serving)
      implements Command, NoSerializationVerificationNeeded {
    public Decide {
      servers = List.copyOf(servers);
      serving = List.copyOf(serving);
    }
  }

  /** Another node's heads (on its tick, or announcing a decision: then {@code serving} is set). */
  public record Gossip(String from, List<EnvHead> heads, List<String> serving)
      implements Command, CborSerializable {
    public Gossip {
      heads = List.copyOf(heads);
      serving = serving == null ? List.of() : List.copyOf(serving);
    }
  }

  /** Does this node hold the release (recorded and its artifact stored)? */
  public record HasRelease(
      String app, String env, String release, String sha, ActorRef<PeerMessages.Holds> replyTo)
      implements Command, CborSerializable {}

  /** Offer the release's artifact as a stream. */
  public record FetchRelease(
      String app,
      String env,
      String release,
      String sha,
      ActorRef<PeerMessages.ArtifactOffer> replyTo)
      implements Command, CborSerializable {}

  /** Send the app/env's secrets when this node holds the set {@code digest} names. */
  public record FetchSecrets(
      String app, String env, String digest, ActorRef<PeerMessages.SecretsCopy> replyTo)
      implements Command, CborSerializable {}

  /**
   * A catch-up ended (told by it, or by its watch when it stopped on an exception: then only if it
   * is still the one running for the key).
   */
  record Ended(String key, EnvHead head, String error, boolean again, ActorRef<CatchUp.Command> by)
      implements Command, NoSerializationVerificationNeeded {}

  private enum Tick implements Command {
    INSTANCE
  }

  private record Peers(Receptionist.Listing listing) implements Command {}

  private record Read(NodeLedger.State state, Runnable then) implements Command {}

  private record Failed(String what, Throwable failure) implements Command {}

  private record Step(Runnable step) implements Command {}

  private final ActorContext<Command> ctx;
  private final NodeSettings settings;
  private final SupervisorSettings supervisorSettings;
  private final ActorRef<NodeAgent.Command> agent;
  private final ActorRef<NodeLedger.Command> ledger;
  private final ActorRef<ConvergenceView> view;
  private final ArtifactStore store;
  private final Executor blocking;
  private final PeerDesk desk;
  private final PeerClient peerClient;
  private Set<ActorRef<Command>> peers = Set.of();
  private NodeLedger.State state = NodeLedger.State.empty();
  private final Map<String, String> seen = new HashMap<>();
  private final Map<String, ActorRef<CatchUp.Command>> running = new HashMap<>();
  private final Map<String, Integer> failures = new HashMap<>();
  private final Map<String, Instant> notBefore = new HashMap<>();
  private int catchUps;

  /**
   * @param view told what {@code tako status} shows of convergence whenever it changes
   */
  public static Behavior<Command> create(
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<NodeAgent.Command> agent,
      ActorRef<NodeLedger.Command> ledger,
      ActorRef<ConvergenceView> view,
      ArtifactStore store,
      NodeKey nodeKey,
      Executor blocking) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new Convergence(
                        ctx,
                        timers,
                        settings,
                        supervisorSettings,
                        agent,
                        ledger,
                        view,
                        store,
                        nodeKey,
                        blocking)));
  }

  private Convergence(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<NodeAgent.Command> agent,
      ActorRef<NodeLedger.Command> ledger,
      ActorRef<ConvergenceView> view,
      ArtifactStore store,
      NodeKey nodeKey,
      Executor blocking) {
    super(ctx);
    this.ctx = ctx;
    this.settings = settings;
    this.supervisorSettings = supervisorSettings;
    this.agent = agent;
    this.ledger = ledger;
    this.view = view;
    this.store = store;
    this.blocking = blocking;
    var config = ctx.getSystem().settings().config();
    PeerSettings peer = PeerSettings.fromConfig(config);
    this.peerClient = new PeerClient(peer, settings.home().resolve("tls"));
    this.desk =
        new PeerDesk(
            settings.server(),
            store,
            nodeKey,
            new PeerAddress(config.getString("tako.cluster.host"), peer.advertisedPort()));
    var receptionist = ctx.getSystem().receptionist();
    receptionist.tell(Receptionist.register(KEY, ctx.getSelf()));
    receptionist.tell(
        Receptionist.subscribe(KEY, ctx.messageAdapter(Receptionist.Listing.class, Peers::new)));
    timers.startTimerWithFixedDelay(Tick.INSTANCE, TICK);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessageEquals(Tick.INSTANCE, () -> read(this::tick))
        .onMessage(Peers.class, this::onPeers)
        .onMessage(Read.class, this::onRead)
        .onMessage(Step.class, m -> run(m.step()))
        .onMessage(Failed.class, this::onFailed)
        .onMessage(Decide.class, m -> read(() -> decide(m)))
        .onMessage(Gossip.class, this::onGossip)
        .onMessage(HasRelease.class, m -> read(() -> desk.holds(state, m, ctx.getSelf())))
        .onMessage(FetchRelease.class, m -> read(() -> desk.offer(state, m)))
        .onMessage(FetchSecrets.class, m -> read(() -> desk.secrets(state, m)))
        .onMessage(Ended.class, this::onEnded)
        .build();
  }

  // ---- reading and writing the ledger ----

  private Behavior<Command> read(Runnable then) {
    ctx.ask(
        NodeLedger.State.class,
        ledger,
        settings.askTimeout(),
        NodeLedger.Get::new,
        (s, failure) ->
            failure == null ? new Read(s, then) : new Failed("read the ledger", failure));
    return this;
  }

  private Behavior<Command> onRead(Read m) {
    state = m.state();
    publish();
    m.then().run();
    return this;
  }

  private Behavior<Command> run(Runnable step) {
    step.run();
    return this;
  }

  private Behavior<Command> onFailed(Failed m) {
    ctx.getLog().warn("convergence could not {}: {}", m.what(), m.failure().toString());
    return this;
  }

  /** Records heads; then (when any changed) evaluates again and runs {@code changed}. */
  private void record(List<EnvHead> heads, Runnable changed) {
    ctx.ask(
        NodeLedger.HeadsChanged.class,
        ledger,
        settings.askTimeout(),
        r -> new NodeLedger.RecordHeads(heads, r),
        (answer, failure) -> {
          if (failure != null) {
            return new Failed("record heads", failure);
          }
          if (answer.changed().isEmpty()) {
            return new Step(changed);
          }
          answer.changed().forEach(h -> ctx.getLog().info("environment head: {}", h));
          return new Step(
              () ->
                  read(
                      () -> {
                        changed.run();
                        evaluate();
                      }));
        });
  }

  // ---- deciding and gossiping ----

  private void decide(Decide m) {
    EnvHead previous = state.head(m.app(), m.env());
    String release = m.release();
    String sha = m.request() != null ? m.request().artifactSha256() : null;
    String secrets = m.secretsDigest();
    if (EnvHead.DELETED.equals(m.kind())) {
      // tako delete: the head keeps the release it had, so older heads stay below it.
      release = previous != null ? previous.release() : "-";
      sha = previous != null ? previous.artifactSha256() : null;
      secrets = null;
    } else if (m.request() == null) {
      // A secrets sync: the release stays the head's (or the one served here without a head).
      if (previous != null) {
        release = previous.release();
        sha = previous.artifactSha256();
      } else {
        var here = state.app(m.app(), m.env()).flatMap(NodeLedger.AppState::currentRelease);
        if (here.isEmpty()) {
          ctx.getLog()
              .info("no head for {}/{} after the secrets sync: no release known", m.app(), m.env());
          return;
        }
        release = here.get().id();
        sha = here.get().release().artifactSha256();
      }
    } else if (secrets == null) {
      // The CLI stores the project's secrets on the servers it deploys to, this one among them
      // (it coordinates): the set held here is the one the release runs with.
      String here = state.secretsOf(m.app(), m.env()).digest();
      secrets = here != null ? here : previous != null ? previous.secretsDigest() : null;
    }
    EnvHead head =
        new EnvHead(
            m.app(),
            m.env(),
            release,
            sha,
            environment(m.servers(), previous),
            (previous == null ? 0 : previous.generation()) + 1,
            System.currentTimeMillis(),
            settings.server(),
            m.kind(),
            secrets);
    Gossip announce = new Gossip(settings.server(), List.of(head), m.serving());
    onGossip(announce);
    peers.forEach(p -> p.tell(announce));
  }

  /**
   * The servers of the new head: the rollout's, then those of the previous head it left out. A
   * {@code deploy --skip-unreachable} rolls out to the reachable servers only, and the skipped ones
   * must still catch up; so a server leaves the head only with the whole app/env.
   */
  static List<String> environment(List<String> rollout, EnvHead previous) {
    List<String> out = new ArrayList<>(rollout);
    if (previous != null) {
      previous.servers().stream().filter(s -> !out.contains(s)).forEach(out::add);
    }
    return out;
  }

  private Behavior<Command> onGossip(Gossip m) {
    record(
        m.heads(),
        () -> {
          if (m.serving().contains(settings.server())) {
            m.heads().forEach(this::markAppliedIfServing);
          }
        });
    return this;
  }

  /** A rollout left this server on the head's release: nothing to catch up. */
  private void markAppliedIfServing(EnvHead head) {
    String current =
        state.app(head.app(), head.env()).map(NodeLedger.AppState::current).orElse(null);
    if (head.deleted() ? current == null : head.release().equals(current)) {
      markApplied(head);
    }
  }

  void markApplied(EnvHead head) {
    ctx.ask(
        org.apache.pekko.Done.class,
        ledger,
        settings.askTimeout(),
        r -> new NodeLedger.MarkApplied(head, r),
        (done, failure) ->
            failure == null ? new Step(() -> {}) : new Failed("record the applied head", failure));
  }

  private Behavior<Command> onPeers(Peers m) {
    Set<ActorRef<Command>> now = new HashSet<>(m.listing().getServiceInstances(KEY));
    now.remove(ctx.getSelf());
    Set<ActorRef<Command>> appeared = new HashSet<>(now);
    appeared.removeAll(peers);
    peers = Set.copyOf(now);
    if (!appeared.isEmpty()) {
      read(() -> gossipTo(appeared));
    }
    return this;
  }

  private void tick() {
    gossipTo(peers);
    evaluate();
  }

  private void gossipTo(Set<ActorRef<Command>> to) {
    if (state.heads().isEmpty()) {
      return;
    }
    Gossip gossip = new Gossip(settings.server(), List.copyOf(state.heads().values()), List.of());
    to.forEach(p -> p.tell(gossip));
  }

  // ---- catching up ----

  /** When a decision was first seen, so a catch-up acts only on one that stayed. */
  private record Seen(String decision, Instant since) {}

  private final Map<String, Seen> pending = new HashMap<>();

  /** The app/envs whose head this server does not serve yet (catching up, or about to). */
  private Set<String> behind = Set.of();

  private void evaluate() {
    Instant now = Instant.now();
    Set<String> keys = new HashSet<>();
    for (EnvHead head : state.heads().values()) {
      String key = head.key();
      if (running.containsKey(key)) {
        keys.add(key);
        continue;
      }
      var app = state.app(head.app(), head.env());
      var local =
          new ConvergencePolicy.Local(
              app.map(NodeLedger.AppState::current).orElse(null),
              app.flatMap(a -> a.release(head.release())).isPresent(),
              state.secretsOf(head.app(), head.env()).digest(),
              state.appliedHead(head.app(), head.env()));
      Action action = ConvergencePolicy.decide(settings.server(), head, local);
      if (action == Action.NONE) {
        continue;
      }
      if (action == Action.MARK_APPLIED) {
        markApplied(head);
        continue;
      }
      keys.add(key);
      String decision = head + " " + action;
      Seen seen = pending.get(key);
      if (seen == null || !seen.decision().equals(decision)) {
        pending.put(key, new Seen(decision, now));
        continue;
      }
      Instant due = notBefore.get(key);
      boolean settled = !now.isBefore(seen.since().plus(TICK.minusSeconds(1)));
      if (settled && (due == null || !now.isBefore(due))) {
        start(head, action, app.flatMap(a -> a.release(head.release())).orElse(null));
      }
    }
    pending.keySet().retainAll(keys);
    behind = Set.copyOf(keys);
    publish();
  }

  private void start(EnvHead head, Action action, NodeLedger.ReleaseRecord recorded) {
    if (action == Action.DELETE) {
      delete(head);
      return;
    }
    ctx.getLog().info("catching up {}/{}: {} to {}", head.app(), head.env(), action, head);
    catchUps++;
    var job =
        new CatchUp.Job(
            head,
            action,
            recorded == null ? null : recorded.request(),
            List.copyOf(peers),
            settings,
            supervisorSettings,
            agent,
            store,
            peerClient,
            blocking,
            ctx.getSelf());
    ActorRef<CatchUp.Command> child =
        ctx.spawn(CatchUp.create(job), "catch-up-" + catchUps + "-" + safe(head.app()));
    ctx.watchWith(
        child,
        new Ended(
            head.key(), head, "the catch-up stopped unexpectedly (see the log)", false, child));
    running.put(head.key(), child);
  }

  /**
   * The app/env was deleted while this server was away: the NodeAgent removes it as {@code tako
   * delete} does (its data kept), then the head counts as applied. Not asked again while it runs.
   */
  private void delete(EnvHead head) {
    ctx.getLog()
        .info(
            "{}/{} was deleted while this server was away: removing it here",
            head.app(),
            head.env());
    notBefore.put(head.key(), Instant.now().plus(Duration.ofMinutes(2)));
    ctx.ask(
        StepResult.class,
        agent,
        Duration.ofMinutes(2),
        r -> new NodeAgent.DeleteApp(head.app(), head.env(), false, r),
        (result, failure) ->
            new Step(
                () -> {
                  if (failure == null && result.ok()) {
                    notBefore.remove(head.key());
                    markApplied(head);
                  } else {
                    ctx.getLog()
                        .warn(
                            "removing deleted {}/{} failed, retrying later: {}",
                            head.app(),
                            head.env(),
                            failure != null ? failure.getMessage() : result.error());
                  }
                }));
  }

  private Behavior<Command> onEnded(Ended m) {
    if (!m.by().equals(running.get(m.key()))) {
      return this; // the watch of a catch-up that had already ended
    }
    running.remove(m.key());
    pending.remove(m.key());
    if (m.error() != null) {
      int n = failures.merge(m.key(), 1, Integer::sum);
      Duration wait = ConvergencePolicy.backoff(n);
      notBefore.put(m.key(), Instant.now().plus(wait));
      ctx.getLog()
          .warn(
              "catching up {} failed (attempt {}), retrying in {} s: {}",
              m.head(),
              n,
              wait.toSeconds(),
              m.error());
      publish();
      return this;
    }
    failures.remove(m.key());
    notBefore.remove(m.key());
    if (!m.again()) {
      ctx.getLog().info("caught up: {}", m.head());
      markApplied(m.head());
    }
    read(this::evaluate);
    return this;
  }

  private void publish() {
    Set<String> catchingUp = new HashSet<>(behind);
    catchingUp.addAll(running.keySet());
    view.tell(new ConvergenceView(state.heads(), catchingUp));
  }

  private static String safe(String name) {
    return name.replaceAll("[^A-Za-z0-9-]", "-");
  }
}
