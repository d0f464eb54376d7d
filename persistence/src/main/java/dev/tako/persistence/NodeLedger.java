package dev.tako.persistence;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tako.protocol.CborSerializable;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.crypto.SecretBox;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The node's durable record, one per server ({@code tako-node-ledger-<server>}): per app/env the
 * releases this server holds (newest last, the last {@value #KEEP_RELEASES} kept, never the current
 * one nor the one before it), which release is current, and the desired instance count set by
 * {@code tako scale}; and per app/env the environment's head ({@link EnvHead}: the release the
 * whole environment converges to) and the head this server last applied, so a restarted node knows
 * both. Only the NodeAgent and its convergence child write to it.
 *
 * <p>Expected failures (activating an unknown release, scaling an unknown app) are error replies
 * and change nothing. A journal failure stops the behavior (Pekko's persistence semantics); its
 * parent decides whether to restart it, and recovery replays the journal from the last snapshot.
 *
 * <p>The journal and snapshots hold only this module's types ({@link RecordedRelease}, {@link
 * SealedValue} and the records below), never the wire DTOs of {@code protocol}: those are converted
 * at this boundary ({@link ReleaseRecord#request()}, {@link Secrets#sealed()}), so an API change is
 * not a journal migration. The binary names of the events and of {@link State} are the journal's
 * manifests and their {@code JsonProperty} names its schema: never rename either (that would take a
 * Jackson migration); adding a field is safe, as unknown properties are ignored on read. {@code
 * PreviousLayoutRecoveryTest} reads a journal written by the previous layout.
 */
public final class NodeLedger
    extends EventSourcedBehavior<NodeLedger.Command, NodeLedger.Event, NodeLedger.State> {

  /** How many releases an app/env keeps on a server (DESIGN.md, "Keep 10 releases"). */
  public static final int KEEP_RELEASES = 10;

  // --- protocol ---

  /** What the ledger accepts. Serializable so tests can force message serialization. */
  public interface Command extends CborSerializable {}

  /** Records a release (its artifact already extracted); idempotent when the id is known. */
  public record RecordRelease(ReleaseRecord record, ActorRef<Done> replyTo) implements Command {}

  /** Makes a recorded release the current one; an error reply when it is not recorded. */
  public record Activate(
      String app, String env, String releaseId, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Overrides the instance count across deploys and restarts; an error for an unknown app/env. */
  public record SetDesired(String app, String env, int desired, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Forgets an app/env entirely; replies {@code Done} also when it was unknown. */
  public record RemoveApp(String app, String env, ActorRef<Done> replyTo) implements Command {}

  /** Replies with the whole state. */
  public record Get(ActorRef<State> replyTo) implements Command {}

  /**
   * Replaces an app/env's secrets. The values arrive sealed under the node key (the ledger never
   * sees them in clear); {@code digest} identifies the set so an unchanged one is not sent again.
   */
  public record SetSecrets(
      String app,
      String env,
      Map<String, SecretBox.Sealed> sealed,
      String digest,
      ActorRef<Done> replyTo)
      implements Command {}

  /**
   * Keeps each head that is greater ({@link EnvHead#ORDER}) than the one known for its app/env;
   * replies with the heads that changed (none: nothing new).
   */
  public record RecordHeads(List<EnvHead> heads, ActorRef<HeadsChanged> replyTo)
      implements Command {
    public RecordHeads {
      heads = List.copyOf(heads);
    }
  }

  /** The answer to {@link RecordHeads}: the heads that were greater than those known. */
  public record HeadsChanged(List<EnvHead> changed) implements CborSerializable {
    public HeadsChanged {
      changed = List.copyOf(changed);
    }
  }

  /**
   * Notes that this server now serves {@code head} (it caught up to it, or a rollout left it
   * there); kept only when greater than the head applied before, so convergence never goes back.
   */
  public record MarkApplied(EnvHead head, ActorRef<Done> replyTo) implements Command {}

  /** What the journal holds; each event names its app/env and carries all it changes. */
  public interface Event extends CborSerializable {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ReleaseRecorded(@JsonProperty("record") ReleaseRecord record) implements Event {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ReleaseActivated(
      @JsonProperty("app") String app,
      @JsonProperty("env") String env,
      @JsonProperty("releaseId") String releaseId)
      implements Event {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record DesiredSet(
      @JsonProperty("app") String app,
      @JsonProperty("env") String env,
      @JsonProperty("desired") int desired)
      implements Event {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record AppRemoved(@JsonProperty("app") String app, @JsonProperty("env") String env)
      implements Event {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SecretsSet(
      @JsonProperty("app") String app,
      @JsonProperty("env") String env,
      @JsonProperty("sealed") Map<String, SealedValue> sealed,
      @JsonProperty("digest") String digest)
      implements Event {
    public SecretsSet {
      sealed = sealed == null ? Map.of() : Map.copyOf(sealed);
    }
  }

  /** A greater head of an app/env became known here (decided here or gossiped). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record HeadRecorded(@JsonProperty("head") EnvHead head) implements Event {}

  /** This server serves the head's release (with its secrets). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record HeadApplied(@JsonProperty("head") EnvHead head) implements Event {}

  /**
   * An app/env's secrets, sealed under the node key.
   *
   * @param values the sealed values by name, as the journal keeps them
   * @param digest identifies the set (null when none was ever set)
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Secrets(
      @JsonProperty("sealed") Map<String, SealedValue> values,
      @JsonProperty("digest") String digest)
      implements CborSerializable {
    public Secrets {
      values = values == null ? Map.of() : Map.copyOf(values);
    }

    public static final Secrets NONE = new Secrets(Map.of(), null);

    /** Secrets from values sealed by the node key. */
    public static Secrets of(Map<String, SecretBox.Sealed> sealed, String digest) {
      return new Secrets(SealedValue.ofAll(sealed), digest);
    }

    /** The sealed values by name, as the node key opens them. */
    public Map<String, SecretBox.Sealed> sealed() {
      return SealedValue.toAll(values);
    }
  }

  // --- state ---

  /**
   * One release as this server knows it.
   *
   * @param id the release id, equal to {@code release.release()}
   * @param release the deploy that made it, as the journal keeps it
   * @param created ISO-8601 instant of the deploy
   * @param by who deployed, "user@host"
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ReleaseRecord(
      @JsonProperty("id") String id,
      @JsonProperty("request") RecordedRelease release,
      @JsonProperty("created") String created,
      @JsonProperty("by") String by)
      implements CborSerializable {
    public ReleaseRecord {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(release, "release");
    }

    /** Records the deploy {@code request}, whose release is {@code id}. */
    public ReleaseRecord(String id, DeployRequest request, String created, String by) {
      this(id, RecordedRelease.of(Objects.requireNonNull(request, "request")), created, by);
    }

    /** The deploy request this release was recorded from. */
    public DeployRequest request() {
      return release.toRequest();
    }
  }

  /**
   * One app/env on this server.
   *
   * @param releases newest last
   * @param current the id of the current release, or null before the first activation
   * @param desired a {@code tako scale} override, or null to use the current release's instances
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record AppState(
      @JsonProperty("app") String app,
      @JsonProperty("env") String env,
      @JsonProperty("releases") List<ReleaseRecord> releases,
      @JsonProperty("current") String current,
      @JsonProperty("desired") Integer desired)
      implements CborSerializable {
    public AppState {
      releases = releases == null ? List.of() : List.copyOf(releases);
    }

    public Optional<ReleaseRecord> release(String id) {
      return releases.stream().filter(r -> r.id().equals(id)).findFirst();
    }

    public Optional<ReleaseRecord> currentRelease() {
      return current == null ? Optional.empty() : release(current);
    }

    /** The override if set, else the current release's instances, else 0 (nothing to run). */
    public int effectiveDesired() {
      if (desired != null) {
        return desired;
      }
      return currentRelease().map(r -> r.release().instances()).orElse(0);
    }

    AppState withRecorded(ReleaseRecord record) {
      List<ReleaseRecord> next = new ArrayList<>(releases);
      next.add(record);
      return new AppState(app, env, retain(next, current), current, desired);
    }

    AppState withCurrent(String releaseId) {
      return new AppState(app, env, releases, releaseId, desired);
    }

    AppState withDesired(int count) {
      return new AppState(app, env, releases, current, count);
    }

    /**
     * Drops the oldest releases beyond {@link #KEEP_RELEASES}, never the current one nor the one
     * recorded just before it (the rollback target).
     */
    static List<ReleaseRecord> retain(List<ReleaseRecord> releases, String current) {
      List<ReleaseRecord> kept = new ArrayList<>(releases);
      int currentIndex = -1;
      for (int i = 0; i < kept.size(); i++) {
        if (kept.get(i).id().equals(current)) {
          currentIndex = i;
        }
      }
      String previous = currentIndex > 0 ? kept.get(currentIndex - 1).id() : null;
      for (int i = 0; kept.size() > KEEP_RELEASES && i < kept.size(); ) {
        String id = kept.get(i).id();
        if (id.equals(current) || id.equals(previous)) {
          i++;
        } else {
          kept.remove(i);
        }
      }
      return kept;
    }
  }

  /**
   * Everything the ledger holds, keyed by {@code "app/env"}.
   *
   * @param apps keyed by {@link #key(String, String)}
   * @param heads the greatest head known per app/env (cluster-wide, also of apps not here)
   * @param applied the greatest head this server served, per app/env
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record State(
      @JsonProperty("apps") Map<String, AppState> apps,
      @JsonProperty("secrets") Map<String, Secrets> secrets,
      @JsonProperty("heads") Map<String, EnvHead> heads,
      @JsonProperty("applied") Map<String, EnvHead> applied)
      implements CborSerializable {
    public State {
      apps = apps == null ? Map.of() : Map.copyOf(apps);
      secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
      heads = heads == null ? Map.of() : Map.copyOf(heads);
      applied = applied == null ? Map.of() : Map.copyOf(applied);
    }

    public State(Map<String, AppState> apps, Map<String, Secrets> secrets) {
      this(apps, secrets, Map.of(), Map.of());
    }

    public State(Map<String, AppState> apps) {
      this(apps, Map.of());
    }

    /** The greatest head known for an app/env, or null. */
    public EnvHead head(String app, String env) {
      return heads.get(key(app, env));
    }

    /** The greatest head this server served for an app/env, or null. */
    public EnvHead appliedHead(String app, String env) {
      return applied.get(key(app, env));
    }

    State withHead(EnvHead head) {
      Map<String, EnvHead> next = new HashMap<>(heads);
      next.merge(head.key(), head, EnvHead::max);
      return new State(apps, secrets, next, applied);
    }

    State withApplied(EnvHead head) {
      Map<String, EnvHead> next = new HashMap<>(applied);
      next.merge(head.key(), head, EnvHead::max);
      return new State(apps, secrets, heads, next);
    }

    public static State empty() {
      return new State(Map.of());
    }

    /** The app/env's sealed secrets (none when never set). */
    public Secrets secretsOf(String app, String env) {
      return secrets.getOrDefault(key(app, env), Secrets.NONE);
    }

    State withSecrets(String app, String env, Secrets s) {
      Map<String, Secrets> next = new HashMap<>(secrets);
      next.put(key(app, env), s);
      return new State(apps, next, heads, applied);
    }

    public static String key(String app, String env) {
      return app + "/" + env;
    }

    public Optional<AppState> app(String app, String env) {
      return Optional.ofNullable(apps.get(key(app, env)));
    }

    State with(AppState appState) {
      Map<String, AppState> next = new HashMap<>(apps);
      next.put(key(appState.app(), appState.env()), appState);
      return new State(next, secrets, heads, applied);
    }

    State without(String app, String env) {
      Map<String, AppState> next = new HashMap<>(apps);
      next.remove(key(app, env));
      Map<String, Secrets> nextSecrets = new HashMap<>(secrets);
      nextSecrets.remove(key(app, env));
      return new State(next, nextSecrets, heads, applied);
    }
  }

  // --- behavior ---

  public static Behavior<Command> create(String serverName) {
    return new NodeLedger(PersistenceId.ofUniqueId("tako-node-ledger-" + serverName));
  }

  private NodeLedger(PersistenceId persistenceId) {
    super(persistenceId);
  }

  @Override
  public State emptyState() {
    return State.empty();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(RecordRelease.class, this::onRecordRelease)
        .onCommand(Activate.class, this::onActivate)
        .onCommand(SetDesired.class, this::onSetDesired)
        .onCommand(RemoveApp.class, this::onRemoveApp)
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state))
        .onCommand(RecordHeads.class, this::onRecordHeads)
        .onCommand(
            MarkApplied.class,
            (state, cmd) ->
                cmd.head().greaterThan(state.appliedHead(cmd.head().app(), cmd.head().env()))
                    ? Effect()
                        .persist(new HeadApplied(cmd.head()))
                        .thenReply(cmd.replyTo(), st -> Done.getInstance())
                    : Effect().reply(cmd.replyTo(), Done.getInstance()))
        .onCommand(
            SetSecrets.class,
            (state, cmd) ->
                java.util.Objects.equals(
                        state.secretsOf(cmd.app(), cmd.env()).digest(), cmd.digest())
                    ? Effect().reply(cmd.replyTo(), Done.getInstance())
                    : Effect()
                        .persist(
                            new SecretsSet(
                                cmd.app(),
                                cmd.env(),
                                SealedValue.ofAll(cmd.sealed()),
                                cmd.digest()))
                        .thenReply(cmd.replyTo(), st -> Done.getInstance()))
        .build();
  }

  private Effect<Event, State> onRecordHeads(State state, RecordHeads cmd) {
    Map<String, EnvHead> greater = new HashMap<>();
    for (EnvHead head : cmd.heads()) {
      EnvHead known = EnvHead.max(state.heads().get(head.key()), greater.get(head.key()));
      if (head.greaterThan(known)) {
        greater.put(head.key(), head);
      }
    }
    List<EnvHead> changed = List.copyOf(greater.values());
    if (changed.isEmpty()) {
      return Effect().reply(cmd.replyTo(), new HeadsChanged(List.of()));
    }
    return Effect()
        .persist(changed.stream().<Event>map(HeadRecorded::new).toList())
        .thenReply(cmd.replyTo(), st -> new HeadsChanged(changed));
  }

  private Effect<Event, State> onRecordRelease(State state, RecordRelease cmd) {
    RecordedRelease request = cmd.record().release();
    boolean known =
        state
            .app(request.app(), request.env())
            .flatMap(a -> a.release(cmd.record().id()))
            .isPresent();
    if (known) {
      return Effect().reply(cmd.replyTo(), Done.getInstance());
    }
    return Effect()
        .persist(new ReleaseRecorded(cmd.record()))
        .thenReply(cmd.replyTo(), s -> Done.getInstance());
  }

  private Effect<Event, State> onActivate(State state, Activate cmd) {
    Optional<AppState> app = state.app(cmd.app(), cmd.env());
    if (app.flatMap(a -> a.release(cmd.releaseId())).isEmpty()) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  "release "
                      + cmd.releaseId()
                      + " of "
                      + State.key(cmd.app(), cmd.env())
                      + " is not recorded on this server; deploy it first"));
    }
    if (cmd.releaseId().equals(app.get().current())) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    return Effect()
        .persist(new ReleaseActivated(cmd.app(), cmd.env(), cmd.releaseId()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private Effect<Event, State> onSetDesired(State state, SetDesired cmd) {
    if (cmd.desired() < 0) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error("instances must be 0 or more, not " + cmd.desired()));
    }
    if (state.app(cmd.app(), cmd.env()).isEmpty()) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  State.key(cmd.app(), cmd.env())
                      + " is not deployed on this server; run tako deploy first"));
    }
    return Effect()
        .persist(new DesiredSet(cmd.app(), cmd.env(), cmd.desired()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private Effect<Event, State> onRemoveApp(State state, RemoveApp cmd) {
    if (state.app(cmd.app(), cmd.env()).isEmpty()) {
      return Effect().reply(cmd.replyTo(), Done.getInstance());
    }
    return Effect()
        .persist(new AppRemoved(cmd.app(), cmd.env()))
        .thenReply(cmd.replyTo(), s -> Done.getInstance());
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(ReleaseRecorded.class, NodeLedger::applyRecorded)
        .onEvent(
            SecretsSet.class,
            (state, e) -> state.withSecrets(e.app(), e.env(), new Secrets(e.sealed(), e.digest())))
        .onEvent(
            ReleaseActivated.class,
            (state, e) ->
                state
                    .app(e.app(), e.env())
                    .map(a -> state.with(a.withCurrent(e.releaseId())))
                    .orElse(state))
        .onEvent(
            DesiredSet.class,
            (state, e) ->
                state
                    .app(e.app(), e.env())
                    .map(a -> state.with(a.withDesired(e.desired())))
                    .orElse(state))
        .onEvent(AppRemoved.class, (state, e) -> state.without(e.app(), e.env()))
        .onEvent(HeadRecorded.class, (state, e) -> state.withHead(e.head()))
        .onEvent(HeadApplied.class, (state, e) -> state.withApplied(e.head()))
        .build();
  }

  private static State applyRecorded(State state, ReleaseRecorded e) {
    RecordedRelease request = e.record().release();
    AppState app =
        state
            .app(request.app(), request.env())
            .orElseGet(() -> new AppState(request.app(), request.env(), List.of(), null, null));
    return state.with(app.withRecorded(e.record()));
  }
}
