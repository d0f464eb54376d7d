package dev.tako.node.channels;

import dev.tako.proxy.channels.ChannelRetention;
import java.util.ArrayList;
import java.util.List;

/**
 * One channel's history on one server, and the rules that keep it the same on every server: which
 * owner it promised to, the entries (contiguous places from {@link #first()}), and how far they are
 * committed (stored by a majority of the environment's servers: only those are ever delivered).
 * Every change goes to the {@link Store} before it counts. Pure apart from the store; one actor
 * uses it.
 */
public final class ChannelLog {

  /** Where a log's changes go before they count (a file; nothing in tests). */
  public interface Store {
    void promised(Ballot ballot);

    /** Stores an entry at its place, dropping whatever the log held there and after it. */
    void put(Entry entry);

    void truncateFrom(long seq);

    void committed(long seq);

    /** The log now starts at {@code first}: everything before (or everything) is gone. */
    void startsAt(long first, String beforeId, Ballot beforeBorn, boolean clear);

    Store NONE =
        new Store() {
          @Override
          public void promised(Ballot ballot) {}

          @Override
          public void put(Entry entry) {}

          @Override
          public void truncateFrom(long seq) {}

          @Override
          public void committed(long seq) {}

          @Override
          public void startsAt(long first, String beforeId, Ballot beforeBorn, boolean clear) {}
        };
  }

  /** What a subscriber gets for its last seen id: a reset first or not, then these entries. */
  public record Replay(boolean reset, List<Entry> entries) {}

  private final List<Entry> entries = new ArrayList<>();
  private Store store = Store.NONE;
  private Ballot promised = Ballot.ZERO;
  private long first = 1;
  private String beforeId;
  private Ballot beforeBorn = Ballot.ZERO;
  private long commit;

  public ChannelLog() {}

  /** From now on, changes go to {@code store} (after a load, which must not write back). */
  public ChannelLog storeTo(Store store) {
    this.store = store;
    return this;
  }

  public Ballot promised() {
    return promised;
  }

  public long first() {
    return first;
  }

  public long last() {
    return first - 1 + entries.size();
  }

  public long commit() {
    return commit;
  }

  public int size() {
    return entries.size();
  }

  /** The entry at a place, or null when it is not held (trimmed or beyond the end). */
  public Entry at(long seq) {
    if (seq < first || seq > last()) {
      return null;
    }
    return entries.get((int) (seq - first));
  }

  /** The ballot that stamped the last entry (for choosing the most complete log). */
  public Ballot lastStamp() {
    return entries.isEmpty() ? beforeBorn : entries.get(entries.size() - 1).stamp();
  }

  /** The born ballot of the entry at a place, when known (also the one just before the start). */
  public Ballot bornAt(long seq) {
    if (seq == 0) {
      return Ballot.ZERO;
    }
    if (seq == first - 1) {
      return beforeBorn;
    }
    Entry e = at(seq);
    return e == null ? null : e.born();
  }

  String idBefore() {
    return beforeId;
  }

  Ballot bornBefore() {
    return beforeBorn;
  }

  /** Promises to {@code ballot} when it is at least the promised one; false when overtaken. */
  public boolean promise(Ballot ballot) {
    if (ballot.compareTo(promised) < 0) {
      return false;
    }
    if (!ballot.equals(promised)) {
      promised = ballot;
      store.promised(ballot);
    }
    return true;
  }

  /** The owner's own new message at the end of the log. */
  public Entry create(Ballot ballot, long nowMillis, byte[] data) {
    long seq = last() + 1;
    Entry e = new Entry(seq, MessageIds.of(ballot.n(), seq), ballot, ballot, nowMillis, data);
    entries.add(e);
    store.put(e);
    return e;
  }

  /**
   * Entries from the owner of {@code ballot} after its entry at {@code prevSeq} (born {@code
   * prevBorn}). Returns how far this log now matches the owner's, or -1 when it does not hold the
   * owner's entry at {@code prevSeq} (the owner then sends from this log's commit on).
   */
  public long accept(Ballot ballot, long prevSeq, Ballot prevBorn, List<Entry> from) {
    if (!promise(ballot)) {
      return -1;
    }
    if (prevSeq > last()) {
      return -1;
    }
    if (prevSeq >= first - 1) {
      Ballot here = bornAt(prevSeq);
      if (here == null || !here.equals(prevBorn)) {
        return -1;
      }
    } else if (prevSeq > commit) {
      return -1; // trimmed places are committed ones; anything else cannot be checked
    }
    for (Entry e : from) {
      if (e.seq() < first) {
        continue;
      }
      Entry held = at(e.seq());
      if (held != null && held.sameAs(e.seq(), e.born())) {
        if (!held.stamp().equals(ballot)) {
          Entry again = held.restamped(ballot);
          entries.set((int) (e.seq() - first), again);
          store.put(again);
        }
        continue;
      }
      if (held != null) {
        if (e.seq() <= commit) {
          throw new IllegalStateException(
              "owner " + ballot + " sent another entry at committed place " + e.seq());
        }
        truncate(e.seq());
      }
      if (e.seq() != last() + 1) {
        return -1;
      }
      Entry mine = e.restamped(ballot);
      entries.add(mine);
      store.put(mine);
    }
    long matched = prevSeq + from.size();
    // What follows from earlier owners was never confirmed by this one: it goes.
    while (matched < last() && at(matched + 1).stamp().equals(ballot)) {
      matched++;
    }
    if (matched < last()) {
      truncate(Math.max(matched + 1, commit + 1));
    }
    return matched;
  }

  private void truncate(long seq) {
    if (seq > last()) {
      return;
    }
    while (last() >= seq) {
      entries.remove(entries.size() - 1);
    }
    store.truncateFrom(seq);
  }

  /**
   * The owner's log replaces this one from its start on: used when this log is behind the owner's
   * retention (everything here is dropped) and by a new owner that adopts a peer's log.
   */
  public void replaceFrom(
      Ballot ballot, long start, String idBefore, Ballot bornBefore, List<Entry> from) {
    promise(ballot);
    Ballot here = start - 1 <= last() ? bornAt(start - 1) : null;
    if (here != null && here.equals(bornBefore)) {
      truncate(start);
    } else {
      entries.clear();
      first = start;
      beforeId = idBefore;
      beforeBorn = bornBefore;
      commit = Math.max(commit, start - 1);
      store.startsAt(start, idBefore, bornBefore, true);
    }
    for (Entry e : from) {
      if (e.seq() == last() + 1) {
        Entry mine = e.restamped(ballot);
        entries.add(mine);
        store.put(mine);
      }
    }
  }

  /** A new owner stamps every uncommitted entry it holds with its ballot. */
  public void stampTail(Ballot ballot) {
    for (long s = commit + 1; s <= last(); s++) {
      Entry e = at(s);
      if (!e.stamp().equals(ballot)) {
        Entry again = e.restamped(ballot);
        entries.set((int) (s - first), again);
        store.put(again);
      }
    }
  }

  /** Commits up to {@code seq} (never beyond {@code matched}); returns whether it moved. */
  public boolean commitTo(long seq) {
    long to = Math.min(seq, last());
    if (to <= commit) {
      return false;
    }
    commit = to;
    store.committed(to);
    return true;
  }

  /** Committed entries in (from, to]. */
  public List<Entry> committedBetween(long from, long to) {
    List<Entry> out = new ArrayList<>();
    for (long s = Math.max(from + 1, first); s <= Math.min(to, commit); s++) {
      out.add(at(s));
    }
    return out;
  }

  /** Entries from {@code seq} on, at most {@code max} of them. */
  public List<Entry> from(long seq, int max) {
    List<Entry> out = new ArrayList<>();
    for (long s = Math.max(seq, first); s <= last() && out.size() < max; s++) {
      out.add(at(s));
    }
    return out;
  }

  /**
   * What a subscriber that last saw {@code sinceId} gets: every committed entry after it; a reset
   * first when that id is not in the retained history (older than the retention, or unknown here).
   */
  public Replay replay(String sinceId) {
    long seq = MessageIds.seqOf(sinceId);
    boolean known;
    if (seq < 0 || seq > commit) {
      known = false;
    } else if (seq == 0) {
      known = first == 1;
    } else if (seq == first - 1) {
      known = sinceId.equals(beforeId);
    } else {
      Entry e = at(seq);
      known = e != null && e.id().equals(sinceId);
    }
    if (!known) {
      return new Replay(true, committedBetween(first - 1, commit));
    }
    return new Replay(false, committedBetween(seq, commit));
  }

  /**
   * Drops committed entries beyond the retention (older than its age, or more than its count);
   * returns whether anything went.
   */
  public boolean trim(ChannelRetention retention, long nowMillis) {
    long oldest = nowMillis - retention.maxAge().toMillis();
    int drop = 0;
    while (drop < entries.size()) {
      Entry e = entries.get(drop);
      boolean tooMany = commit - e.seq() >= retention.maxMessages();
      if (e.seq() > commit || (!tooMany && e.atMillis() >= oldest)) {
        break;
      }
      drop++;
    }
    if (drop == 0) {
      return false;
    }
    Entry lastGone = entries.get(drop - 1);
    entries.subList(0, drop).clear();
    first = lastGone.seq() + 1;
    beforeId = lastGone.id();
    beforeBorn = lastGone.born();
    store.startsAt(first, beforeId, beforeBorn, false);
    return true;
  }

  // ---- loading (no store writes) ----

  void loadPromised(Ballot b) {
    promised = b;
  }

  void loadPut(Entry e) {
    if (e.seq() < first) {
      return;
    }
    if (e.seq() <= last()) {
      while (last() >= e.seq()) {
        entries.remove(entries.size() - 1);
      }
    }
    if (e.seq() == last() + 1) {
      entries.add(e);
    }
  }

  void loadTruncate(long seq) {
    while (last() >= seq && !entries.isEmpty()) {
      entries.remove(entries.size() - 1);
    }
  }

  void loadCommit(long seq) {
    commit = Math.max(commit, seq);
  }

  void loadStart(long start, String idBefore, Ballot bornBefore, boolean clear) {
    if (clear || start > last() + 1) {
      entries.clear();
    } else {
      entries.subList(0, (int) Math.max(0, Math.min(entries.size(), start - first))).clear();
    }
    first = start;
    beforeId = idBefore;
    beforeBorn = bornBefore;
    commit = Math.max(commit, start - 1);
  }
}
