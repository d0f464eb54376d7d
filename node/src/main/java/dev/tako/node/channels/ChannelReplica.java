package dev.tako.node.channels;

import dev.tako.node.channels.ChannelsNode.Append;
import dev.tako.node.channels.ChannelsNode.Appended;
import dev.tako.node.channels.ChannelsNode.Command;
import dev.tako.node.channels.ChannelsNode.Fetch;
import dev.tako.node.channels.ChannelsNode.Fetched;
import dev.tako.node.channels.ChannelsNode.Keep;
import dev.tako.node.channels.ChannelsNode.LocalPublish;
import dev.tako.node.channels.ChannelsNode.Overtaken;
import dev.tako.node.channels.ChannelsNode.Prepare;
import dev.tako.node.channels.ChannelsNode.Promised;
import dev.tako.node.channels.ChannelsNode.Publish;
import dev.tako.node.channels.ChannelsNode.Published;
import dev.tako.node.channels.ChannelsNode.Refresh;
import dev.tako.node.channels.ChannelsNode.Subscribe;
import dev.tako.node.channels.ChannelsNode.Unsubscribe;
import dev.tako.proxy.channels.ChannelRetention;
import dev.tako.proxy.channels.ChannelSink;
import dev.tako.proxy.channels.ChannelUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One channel on one server: its history ({@link ChannelLog} in its {@link ChannelFile}), its local
 * subscribers, and, on the server that owns the channel, the ordering.
 *
 * <ul>
 *   <li><b>Follower</b> (every replica): stores the owner's entries after checking they continue
 *       its log, promises new owners, and delivers to its subscribers what the owner says a
 *       majority stored (the commit), in order.
 *   <li><b>Recovering</b>: the owner by {@link OwnerChoice} takes a ballot greater than any it saw,
 *       gets promises from a majority of the environment's servers, adopts the most complete log
 *       among them ({@link OwnerChoice#mostComplete}, fetched when it is a peer's) and stamps it
 *       with its ballot. Publishes wait meanwhile.
 *   <li><b>Owner</b>: gives each publish the next place and id, sends it to every replica at once,
 *       and answers the publisher once a majority (itself included) stored it; lagging replicas get
 *       what they miss from their last match on, in batches, on every heartbeat.
 * </ul>
 */
final class ChannelReplica extends AbstractBehavior<Command> {
  /** Entries per message stay below Artery's 256 KiB frames. */
  private static final int BATCH_BYTES = 160 * 1024;

  private static final int BATCH_ENTRIES = 500;

  /** Publishes waiting for a majority at most, beyond which they are refused. */
  private static final int MAX_PENDING = 10_000;

  /** Who waits for a publish: a local future or a peer's forward. */
  private record Answer(
      java.util.function.Consumer<String> onId,
      java.util.function.BiConsumer<String, Integer> onUnavailable) {
    void id(String id) {
      onId.accept(id);
    }

    void unavailable(String why, int retryAfter) {
      onUnavailable.accept(why, retryAfter);
    }
  }

  private static final class Follower {
    long next;
    long match;
    long commit;
    long sentCommit;
  }

  private enum Role {
    FOLLOWER,
    RECOVERING,
    OWNER
  }

  private record Queued(byte[] data, Answer answer) {}

  /** A publish created here that waits for its place to be committed. */
  private record Pending(Ballot born, Answer answer) {}

  private final ActorContext<Command> ctx;
  private final String key;
  private final ChannelKeys.Parsed parsed;
  private final ChannelsSettings settings;
  private final Environments environments;
  private final ActorRef<Command> node;
  private final ChannelFile file;
  private final ChannelLog log;
  private final Map<Long, ChannelSink> subscribers = new LinkedHashMap<>();
  private PeerView view;
  private Keep keep = Keep.of(ChannelRetention.DEFAULT);
  private long delivered;
  private Ballot seen = Ballot.ZERO;

  private Role role = Role.FOLLOWER;
  private Ballot ballot = Ballot.ZERO;
  private Map<String, OwnerChoice.Promise> promises = new HashMap<>();
  private String fetchingFrom;
  private long preparedAtNanos;
  private final Map<String, Follower> followers = new HashMap<>();
  private final TreeMap<Long, Pending> pending = new TreeMap<>();
  private final List<Queued> queued = new ArrayList<>();

  static Behavior<Command> create(
      String key,
      ChannelKeys.Parsed parsed,
      Path path,
      ChannelsSettings settings,
      Environments environments,
      ActorRef<Command> node,
      PeerView view) {
    // A failure (a file that cannot be written, a broken rule) restarts the replica from its file.
    return Behaviors.supervise(
            Behaviors.<Command>setup(
                ctx -> {
                  ChannelFile file;
                  try {
                    file = ChannelFile.open(path, settings.fsync());
                  } catch (IOException e) {
                    throw new UncheckedIOException("cannot open the channel history " + path, e);
                  }
                  return new ChannelReplica(
                      ctx, key, parsed, file, settings, environments, node, view);
                }))
        .onFailure(
            SupervisorStrategy.restartWithBackoff(
                java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(10), 0.2));
  }

  private ChannelReplica(
      ActorContext<Command> ctx,
      String key,
      ChannelKeys.Parsed parsed,
      ChannelFile file,
      ChannelsSettings settings,
      Environments environments,
      ActorRef<Command> node,
      PeerView view) {
    super(ctx);
    this.ctx = ctx;
    this.key = key;
    this.parsed = parsed;
    this.settings = settings;
    this.environments = environments;
    this.node = node;
    this.view = view;
    this.file = file;
    this.log = file.log();
    this.delivered = log.commit();
    this.seen = log.promised();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Refresh.class, this::onRefresh)
        .onMessage(Subscribe.class, this::onSubscribe)
        .onMessage(
            Unsubscribe.class,
            m -> {
              subscribers.remove(m.subId());
              return this;
            })
        .onMessage(LocalPublish.class, this::onLocalPublish)
        .onMessage(Publish.class, this::onPublish)
        .onMessage(Prepare.class, this::onPrepare)
        .onMessage(Promised.class, this::onPromised)
        .onMessage(Overtaken.class, this::onOvertaken)
        .onMessage(Append.class, this::onAppend)
        .onMessage(Appended.class, this::onAppended)
        .onMessage(Fetch.class, this::onFetch)
        .onMessage(Fetched.class, this::onFetched)
        .onSignal(
            PostStop.class,
            s -> {
              file.close();
              return this;
            })
        .onSignal(
            PreRestart.class,
            s -> {
              file.close();
              return this;
            })
        .build();
  }

  // ---- who owns ----

  private List<String> envServers() {
    List<String> servers = environments.servers(parsed.app(), parsed.env());
    return servers.isEmpty() ? List.of(view.self()) : servers;
  }

  private Optional<String> owner() {
    return OwnerChoice.owner(key, envServers(), view.reachable());
  }

  private boolean ownedHere() {
    return owner().map(view.self()::equals).orElse(false);
  }

  private Behavior<Command> onRefresh(Refresh m) {
    view = m.view();
    Optional<String> owner = owner();
    boolean mine = owner.map(view.self()::equals).orElse(false);
    if (role != Role.FOLLOWER && !mine) {
      stepDown(
          owner.isEmpty()
              ? noMajority()
              : "the channel's owner moved to " + owner.get() + "; publish again",
          owner.isEmpty() ? settings.retryAfterSeconds() : 1);
    } else if (role == Role.FOLLOWER && mine) {
      recover();
    } else if (role == Role.RECOVERING
        && System.nanoTime() - preparedAtNanos > 2 * settings.heartbeat().toNanos()) {
      recover();
    } else if (role == Role.OWNER) {
      for (String server : envServers()) {
        if (server.equals(view.self()) || !view.reachable().contains(server)) {
          continue;
        }
        Follower f = followers.computeIfAbsent(server, s -> follower());
        if (f.match < log.last() || f.commit < log.commit()) {
          f.next = f.match + 1;
          send(server, f, true);
        }
      }
    }
    if (log.trim(keep.retention(), System.currentTimeMillis())) {
      file.compactIfLarge();
    }
    return this;
  }

  private String noMajority() {
    return view.self()
        + " reaches no majority of the environment's servers, so it cannot keep this channel's"
        + " order (a partition); the other side publishes, try again later";
  }

  // ---- subscribers ----

  private Behavior<Command> onSubscribe(Subscribe m) {
    keep = m.keep();
    ChannelSink sink = m.sink();
    if (m.since() != null) {
      ChannelLog.Replay replay = log.replay(m.since());
      if (replay.reset()) {
        sink.onReset();
      }
      for (Entry e : replay.entries()) {
        sink.onMessage(e.id(), e.data());
      }
    }
    subscribers.put(m.subId(), sink);
    if (role == Role.FOLLOWER && ownedHere()) {
      recover();
    }
    return this;
  }

  private void deliver() {
    if (log.commit() <= delivered) {
      return;
    }
    List<Entry> out;
    if (log.first() > delivered + 1) {
      for (ChannelSink s : subscribers.values()) {
        s.onReset();
      }
      out = log.committedBetween(log.first() - 1, log.commit());
    } else {
      out = log.committedBetween(delivered, log.commit());
    }
    for (ChannelSink s : subscribers.values()) {
      for (Entry e : out) {
        s.onMessage(e.id(), e.data());
      }
    }
    delivered = log.commit();
    answerPublishers();
    log.trim(keep.retention(), System.currentTimeMillis());
    file.compactIfLarge();
  }

  /**
   * Answers the publishes created here whose place is now committed: with the id when the entry
   * there is theirs, else (another owner took the place) with 503, since it was never stored. An
   * owner that stepped down keeps its publishes waiting so: a 503 here means not published.
   */
  private void answerPublishers() {
    while (!pending.isEmpty() && pending.firstKey() <= log.commit()) {
      var done = pending.pollFirstEntry();
      Entry e = log.at(done.getKey());
      if (e != null && e.born().equals(done.getValue().born())) {
        done.getValue().answer().id(e.id());
      } else {
        done.getValue()
            .answer()
            .unavailable(
                "the channel's owner changed before a majority stored this message; publish again",
                1);
      }
    }
  }

  // ---- publishing ----

  private Behavior<Command> onLocalPublish(LocalPublish m) {
    keep = m.keep();
    var answer = m.answer();
    publish(
        m.data(),
        new Answer(
            answer::complete,
            (why, retryAfter) ->
                answer.completeExceptionally(new ChannelUnavailableException(why, retryAfter))),
        true);
    return this;
  }

  private Behavior<Command> onPublish(Publish m) {
    keep = m.keep();
    var peer = m.replyTo();
    if (m.notAfter() != 0 && System.currentTimeMillis() > m.notAfter()) {
      peer.tell(new Published(null, "the publish arrived after its sender gave up on it", 1));
      return this;
    }
    publish(
        m.data(),
        new Answer(
            id -> peer.tell(new Published(id, null, 0)),
            (why, retryAfter) -> peer.tell(new Published(null, why, retryAfter))),
        false);
    return this;
  }

  private void publish(byte[] data, Answer answer, boolean mayForward) {
    Optional<String> owner = owner();
    if (owner.isEmpty()) {
      answer.unavailable(noMajority(), settings.retryAfterSeconds());
      return;
    }
    if (owner.get().equals(view.self())) {
      if (role == Role.OWNER) {
        append(data, answer);
      } else if (queued.size() >= MAX_PENDING) {
        answer.unavailable("too many publishes wait for the channel's new owner", 1);
      } else {
        queued.add(new Queued(data, answer));
        if (role == Role.FOLLOWER) {
          recover();
        }
      }
      return;
    }
    ActorRef<Command> ref = view.ref(owner.get());
    if (!mayForward || ref == null) {
      answer.unavailable("the channel's owner is moving; publish again", 1);
      return;
    }
    AskPattern.<Command, Published>ask(
            ref,
            // Half the wait for the way there; the other half leaves the owner time to store it.
            replyTo ->
                new Publish(
                    key,
                    keep,
                    data,
                    replyTo,
                    System.currentTimeMillis() + settings.publishTimeout().toMillis() / 2),
            settings.publishTimeout(),
            ctx.getSystem().scheduler())
        .whenComplete(
            (p, failure) -> {
              if (failure != null) {
                answer.unavailable(
                    "the channel's owner "
                        + owner.get()
                        + " did not store the message in time; publish again",
                    1);
              } else if (p.id() != null) {
                answer.id(p.id());
              } else {
                answer.unavailable(p.error(), p.retryAfter());
              }
            });
  }

  private void append(byte[] data, Answer answer) {
    if (pending.size() >= MAX_PENDING) {
      answer.unavailable("too many publishes wait for a majority of the servers", 1);
      return;
    }
    Entry e = log.create(ballot, System.currentTimeMillis(), data);
    pending.put(e.seq(), new Pending(ballot, answer));
    for (var f : followers.entrySet()) {
      if (f.getValue().next == e.seq() && view.reachable().contains(f.getKey())) {
        send(f.getKey(), f.getValue(), true);
      }
    }
    advanceCommit();
  }

  // ---- owner ----

  private Follower follower() {
    Follower f = new Follower();
    f.next = log.last() + 1;
    return f;
  }

  private void recover() {
    role = Role.RECOVERING;
    Ballot top = seen.greaterThan(log.promised()) ? seen : log.promised();
    ballot = Ballot.after(top, view.self());
    log.promise(ballot);
    seen = ballot;
    promises = new HashMap<>();
    promises.put(view.self(), promiseOfMine());
    fetchingFrom = null;
    preparedAtNanos = System.nanoTime();
    for (String server : envServers()) {
      ActorRef<Command> ref = view.ref(server);
      if (!server.equals(view.self()) && ref != null) {
        ref.tell(new Prepare(key, keep, ballot, node));
      }
    }
    checkPromises();
  }

  private OwnerChoice.Promise promiseOfMine() {
    return new OwnerChoice.Promise(
        view.self(), log.last(), log.lastStamp(), log.commit(), log.first());
  }

  private Behavior<Command> onPrepare(Prepare m) {
    keep = m.keep();
    if (m.ballot().greaterThan(seen)) {
      seen = m.ballot();
    }
    if (role != Role.FOLLOWER && m.ballot().greaterThan(ballot)) {
      stepDown("the channel's owner is moving to " + m.ballot().server() + "; publish again", 1);
    }
    if (log.promise(m.ballot())) {
      m.replyTo()
          .tell(
              new Promised(
                  key,
                  m.ballot(),
                  view.self(),
                  log.last(),
                  log.lastStamp(),
                  log.commit(),
                  log.first()));
    } else {
      m.replyTo().tell(new Overtaken(key, m.ballot(), log.promised()));
    }
    return this;
  }

  private Behavior<Command> onPromised(Promised m) {
    if (role == Role.RECOVERING && m.ballot().equals(ballot)) {
      promises.put(
          m.from(),
          new OwnerChoice.Promise(m.from(), m.last(), m.lastStamp(), m.commit(), m.first()));
      checkPromises();
    }
    return this;
  }

  private void checkPromises() {
    List<String> env = envServers();
    long counted = promises.keySet().stream().filter(env::contains).count();
    if (fetchingFrom != null || counted < OwnerChoice.majority(env.size())) {
      return;
    }
    OwnerChoice.Promise best = OwnerChoice.mostComplete(List.copyOf(promises.values()));
    if (best.server().equals(view.self())
        || (best.last() == log.last() && best.lastStamp().equals(log.lastStamp()))) {
      becomeOwner();
      return;
    }
    ActorRef<Command> ref = view.ref(best.server());
    if (ref == null) {
      return; // its node left meanwhile: the next heartbeat prepares again
    }
    fetchingFrom = best.server();
    ref.tell(new Fetch(key, ballot, log.commit() + 1, node));
  }

  private Behavior<Command> onFetch(Fetch m) {
    long start = Math.max(m.fromSeq(), log.first());
    String idBefore;
    Ballot bornBefore;
    if (start == log.first()) {
      idBefore = log.idBefore();
      bornBefore = log.bornBefore();
    } else {
      Entry before = log.at(start - 1);
      idBefore = before == null ? null : before.id();
      bornBefore = before == null ? Ballot.ZERO : before.born();
    }
    List<Entry> batch = batch(start);
    boolean more = start + batch.size() - 1 < log.last();
    m.replyTo().tell(new Fetched(key, m.ballot(), start, idBefore, bornBefore, batch, more));
    return this;
  }

  private Behavior<Command> onFetched(Fetched m) {
    if (role != Role.RECOVERING || !m.ballot().equals(ballot)) {
      return this;
    }
    log.replaceFrom(ballot, m.start(), m.idBefore(), m.bornBefore(), m.entries());
    if (m.more()) {
      ActorRef<Command> ref = view.ref(fetchingFrom);
      if (ref != null) {
        ref.tell(new Fetch(key, ballot, log.last() + 1, node));
        return this;
      }
      fetchingFrom = null;
      return this; // retried by the next heartbeat
    }
    becomeOwner();
    return this;
  }

  private void becomeOwner() {
    log.stampTail(ballot);
    role = Role.OWNER;
    fetchingFrom = null;
    followers.clear();
    for (String server : envServers()) {
      if (!server.equals(view.self())) {
        Follower f = follower();
        followers.put(server, f);
        if (view.reachable().contains(server)) {
          send(server, f, false);
        }
      }
    }
    ctx.getLog().debug("{} owns channel {} with ballot {}", view.self(), key, ballot);
    List<Queued> waiting = List.copyOf(queued);
    queued.clear();
    for (Queued q : waiting) {
      append(q.data(), q.answer());
    }
    advanceCommit();
  }

  /** Sends a follower what it misses from its next place on (entries) or a heartbeat. */
  private void send(String server, Follower f, boolean withEntries) {
    ActorRef<Command> ref = view.ref(server);
    if (ref == null) {
      return;
    }
    if (f.next < log.first()) {
      List<Entry> batch = batch(log.first());
      ref.tell(
          new Append(
              key,
              keep,
              ballot,
              node,
              log.first() - 1,
              log.bornBefore(),
              log.idBefore(),
              batch,
              log.commit(),
              true));
      f.next = log.first() + batch.size();
      f.sentCommit = Math.max(f.sentCommit, log.commit());
      return;
    }
    long prev = Math.min(f.next - 1, log.last());
    List<Entry> batch = withEntries ? batch(prev + 1) : List.of();
    ref.tell(
        new Append(
            key, keep, ballot, node, prev, log.bornAt(prev), null, batch, log.commit(), false));
    f.next = prev + 1 + batch.size();
    f.sentCommit = Math.max(f.sentCommit, log.commit());
  }

  /** Tells a follower the commit when it holds entries it does not know committed yet. */
  private void tellCommit(String server, Follower f) {
    if (f.sentCommit < Math.min(log.commit(), f.match) && view.reachable().contains(server)) {
      send(server, f, false);
    }
  }

  private List<Entry> batch(long from) {
    List<Entry> out = new ArrayList<>();
    long bytes = 0;
    for (Entry e : log.from(from, BATCH_ENTRIES)) {
      if (!out.isEmpty() && bytes + e.data().length > BATCH_BYTES) {
        break;
      }
      out.add(e);
      bytes += e.data().length + 64;
    }
    return out;
  }

  private Behavior<Command> onAppended(Appended m) {
    if (role != Role.OWNER || !m.ballot().equals(ballot)) {
      return this;
    }
    Follower f = followers.computeIfAbsent(m.from(), s -> follower());
    f.commit = Math.max(f.commit, m.commit());
    if (m.matched() < 0) {
      f.match = Math.min(m.commit(), log.last());
      f.next = f.match + 1;
      send(m.from(), f, true);
    } else {
      f.match = Math.max(f.match, m.matched());
      if (f.next <= f.match) {
        f.next = f.match + 1;
      }
      if (f.match < log.last() && f.next - 1 == f.match) {
        send(m.from(), f, true);
      }
    }
    advanceCommit();
    tellCommit(m.from(), f);
    return this;
  }

  private void advanceCommit() {
    if (role != Role.OWNER) {
      return;
    }
    List<String> env = envServers();
    List<Long> matches = new ArrayList<>();
    for (String server : env) {
      if (server.equals(view.self())) {
        matches.add(log.last());
      } else {
        Follower f = followers.get(server);
        matches.add(f == null ? 0L : f.match);
      }
    }
    matches.sort((a, b) -> Long.compare(b, a));
    long candidate = matches.get(OwnerChoice.majority(env.size()) - 1);
    if (!log.commitTo(candidate)) {
      return;
    }
    deliver();
    for (var f : followers.entrySet()) {
      tellCommit(f.getKey(), f.getValue());
    }
  }

  private Behavior<Command> onOvertaken(Overtaken m) {
    if (m.promised().greaterThan(seen)) {
      seen = m.promised();
    }
    if (role != Role.FOLLOWER && m.ballot().equals(ballot)) {
      stepDown("another server took the channel over; publish again", 1);
    }
    return this;
  }

  private void stepDown(String why, int retryAfter) {
    role = Role.FOLLOWER;
    fetchingFrom = null;
    promises = new HashMap<>();
    followers.clear();
    // pending publishes stay: they are answered once their place is committed (see
    // answerPublishers), whoever commits it
    for (Queued q : queued) {
      q.answer().unavailable(why, retryAfter);
    }
    queued.clear();
  }

  // ---- follower ----

  private Behavior<Command> onAppend(Append m) {
    keep = m.keep();
    if (m.ballot().greaterThan(seen)) {
      seen = m.ballot();
    }
    if (m.ballot().compareTo(log.promised()) < 0) {
      m.replyTo().tell(new Overtaken(key, m.ballot(), log.promised()));
      return this;
    }
    if (role != Role.FOLLOWER && !m.ballot().equals(ballot)) {
      stepDown("the channel's owner is moving to " + m.ballot().server() + "; publish again", 1);
    }
    long matched;
    if (m.reset()) {
      log.replaceFrom(m.ballot(), m.prevSeq() + 1, m.idBefore(), m.prevBorn(), m.entries());
      matched = m.prevSeq() + m.entries().size();
    } else {
      matched = log.accept(m.ballot(), m.prevSeq(), m.prevBorn(), m.entries());
    }
    if (matched >= 0) {
      log.commitTo(Math.min(m.commit(), matched));
      deliver();
    }
    m.replyTo().tell(new Appended(key, m.ballot(), view.self(), matched, log.commit()));
    return this;
  }
}
