package dev.tako.node.channels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.proxy.channels.ChannelRetention;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChannelLogTest {
  private static final Ballot A1 = new Ballot(1, "a");
  private static final Ballot B2 = new Ballot(2, "b");

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> data(List<Entry> entries) {
    return entries.stream().map(e -> new String(e.data(), StandardCharsets.UTF_8)).toList();
  }

  @Test
  void idsSortInTheChannelsOrderAcrossOwners() {
    ChannelLog owner = new ChannelLog();
    owner.promise(A1);
    Entry first = owner.create(A1, 0, bytes("x"));
    owner.promise(B2);
    Entry second = owner.create(B2, 0, bytes("y"));
    assertEquals("00000001-000000000001", first.id());
    assertTrue(first.id().compareTo(second.id()) < 0);
    assertEquals(2, MessageIds.seqOf(second.id()));
    assertEquals(-1, MessageIds.seqOf("garbage"));
  }

  @Test
  void aFollowerTakesTheOwnersEntriesInOrderAndRefusesAGap() {
    ChannelLog owner = new ChannelLog();
    owner.promise(A1);
    Entry e1 = owner.create(A1, 0, bytes("1"));
    Entry e2 = owner.create(A1, 0, bytes("2"));
    Entry e3 = owner.create(A1, 0, bytes("3"));
    ChannelLog follower = new ChannelLog();
    assertEquals(1, follower.accept(A1, 0, Ballot.ZERO, List.of(e1)));
    // e3 without e2: the follower does not hold the owner's entry at place 2
    assertEquals(-1, follower.accept(A1, 2, A1, List.of(e3)));
    assertEquals(3, follower.accept(A1, 1, A1, List.of(e2, e3)));
    // a repeated message changes nothing
    assertEquals(3, follower.accept(A1, 1, A1, List.of(e2, e3)));
    assertEquals(3, follower.last());
    assertEquals(List.of("1", "2", "3"), data(follower.from(1, 10)));
  }

  @Test
  void anOlderOwnerCannotAppendAfterAPromiseToANewerOne() {
    ChannelLog follower = new ChannelLog();
    assertTrue(follower.promise(B2));
    Entry stale = new Entry(1, MessageIds.of(1, 1), A1, A1, 0, bytes("old"));
    assertEquals(-1, follower.accept(A1, 0, Ballot.ZERO, List.of(stale)));
    assertEquals(0, follower.last());
    assertFalse(follower.promise(A1));
  }

  @Test
  void aNewOwnerReplacesAnUncommittedTailItNeverSaw() {
    ChannelLog follower = new ChannelLog();
    Entry e1 = new Entry(1, MessageIds.of(1, 1), A1, A1, 0, bytes("kept"));
    Entry lost = new Entry(2, MessageIds.of(1, 2), A1, A1, 0, bytes("lost"));
    follower.accept(A1, 0, Ballot.ZERO, List.of(e1, lost));
    follower.commitTo(1);
    Entry other = new Entry(2, MessageIds.of(2, 2), B2, B2, 0, bytes("new"));
    // prev (place 1, born A1) matches: the new owner's place 2 replaces the uncommitted one
    assertEquals(2, follower.accept(B2, 1, A1, List.of(other)));
    assertEquals(List.of("kept", "new"), data(follower.from(1, 10)));
    // a heartbeat from the new owner that ends before an old entry drops the old tail
    ChannelLog f2 = new ChannelLog();
    f2.accept(A1, 0, Ballot.ZERO, List.of(e1, lost));
    f2.commitTo(1);
    assertEquals(1, f2.accept(B2, 1, A1, List.of()));
    assertEquals(1, f2.last());
  }

  @Test
  void replayGivesEverythingAfterAnIdAndAResetForAnUnknownOne() {
    ChannelLog log = new ChannelLog();
    log.promise(A1);
    for (int i = 1; i <= 5; i++) {
      log.create(A1, 0, bytes("m" + i));
    }
    log.commitTo(4); // the fifth is not stored by a majority yet: never replayed
    ChannelLog.Replay after2 = log.replay(MessageIds.of(1, 2));
    assertFalse(after2.reset());
    assertEquals(List.of("m3", "m4"), data(after2.entries()));
    ChannelLog.Replay unknown = log.replay(MessageIds.of(7, 2));
    assertTrue(unknown.reset());
    assertEquals(List.of("m1", "m2", "m3", "m4"), data(unknown.entries()));
    assertTrue(log.replay("nonsense").reset());
    assertEquals(List.of(), log.replay(MessageIds.of(1, 4)).entries());
  }

  @Test
  void retentionKeepsTheNewestCommittedByCountAndAge() {
    ChannelLog log = new ChannelLog();
    log.promise(A1);
    for (int i = 1; i <= 10; i++) {
      log.create(A1, i * 1000L, bytes("m" + i));
    }
    log.commitTo(8);
    assertTrue(log.trim(new ChannelRetention(Duration.ofHours(1), 3), 10_000));
    // the three newest committed, and the uncommitted ones
    assertEquals(6, log.first());
    assertEquals(List.of("m6", "m7", "m8", "m9", "m10"), data(log.from(1, 100)));
    // an id just before the start is still known (no gap), an older one resets
    assertFalse(log.replay(MessageIds.of(1, 5)).reset());
    assertTrue(log.replay(MessageIds.of(1, 4)).reset());
    // by age: older than 2.5 s at 10 s
    assertTrue(log.trim(new ChannelRetention(Duration.ofMillis(2500), 1000), 10_000));
    assertEquals(8, log.first());
    assertFalse(log.trim(new ChannelRetention(Duration.ofMillis(2500), 1000), 10_000));
  }

  @Test
  void aFollowerBehindTheRetentionStartsOverAtTheOwnersStart() {
    ChannelLog follower = new ChannelLog();
    Entry e1 = new Entry(1, MessageIds.of(1, 1), A1, A1, 0, bytes("1"));
    follower.accept(A1, 0, Ballot.ZERO, List.of(e1));
    follower.commitTo(1);
    Entry e9 = new Entry(9, MessageIds.of(1, 9), A1, A1, 0, bytes("9"));
    follower.replaceFrom(A1, 9, MessageIds.of(1, 8), A1, List.of(e9));
    assertEquals(9, follower.first());
    assertEquals(9, follower.last());
    assertArrayEquals(bytes("9"), follower.at(9).data());
    assertEquals(8, follower.commit());
  }
}
