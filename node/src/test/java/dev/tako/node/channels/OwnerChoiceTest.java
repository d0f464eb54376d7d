package dev.tako.node.channels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OwnerChoiceTest {
  private static final List<String> ENV = List.of("la", "nyc", "fra");

  @Test
  void everyNodeThatSeesTheSameServersPicksTheSameOwner() {
    for (int i = 0; i < 50; i++) {
      String channel = "app/prod/room-" + i;
      Optional<String> owner = OwnerChoice.owner(channel, ENV, Set.copyOf(ENV));
      assertTrue(owner.isPresent());
      assertEquals(owner, OwnerChoice.owner(channel, List.of("fra", "la", "nyc"), Set.copyOf(ENV)));
    }
  }

  @Test
  void channelsSpreadOverTheServers() {
    Set<String> owners = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      owners.add(OwnerChoice.owner("app/prod/c" + i, ENV, Set.copyOf(ENV)).orElseThrow());
    }
    assertEquals(Set.copyOf(ENV), owners);
  }

  @Test
  void whenTheOwnerGoesOnlyItsChannelsMove() {
    for (int i = 0; i < 50; i++) {
      String channel = "app/prod/c" + i;
      String owner = OwnerChoice.owner(channel, ENV, Set.copyOf(ENV)).orElseThrow();
      Set<String> rest = new HashSet<>(ENV);
      String gone = owner.equals("la") ? "nyc" : "la";
      rest.remove(gone);
      assertEquals(owner, OwnerChoice.owner(channel, ENV, rest).orElseThrow(), channel);
      Set<String> withoutOwner = new HashSet<>(ENV);
      withoutOwner.remove(owner);
      String next = OwnerChoice.owner(channel, ENV, withoutOwner).orElseThrow();
      assertTrue(withoutOwner.contains(next));
    }
  }

  @Test
  void onlyTheSideWithAMajorityOwnsAnything() {
    assertEquals(Optional.empty(), OwnerChoice.owner("a/b/c", ENV, Set.of("la")));
    assertTrue(OwnerChoice.owner("a/b/c", ENV, Set.of("nyc", "fra")).isPresent());
    List<String> four = List.of("a", "b", "c", "d");
    assertEquals(Optional.empty(), OwnerChoice.owner("a/b/c", four, Set.of("a", "b")));
    assertTrue(OwnerChoice.owner("a/b/c", four, Set.of("a", "b", "c")).isPresent());
    assertEquals(Optional.of("solo"), OwnerChoice.owner("a/b/c", List.of("solo"), Set.of("solo")));
    // servers outside the environment do not count
    assertEquals(Optional.empty(), OwnerChoice.owner("a/b/c", ENV, Set.of("la", "x", "y")));
  }

  @Test
  void aNewOwnerContinuesFromTheLogStampedLatestThenLongest() {
    var old = new OwnerChoice.Promise("la", 9, new Ballot(1, "la"), 5, 1);
    var newer = new OwnerChoice.Promise("nyc", 7, new Ballot(2, "nyc"), 7, 1);
    var shorter = new OwnerChoice.Promise("fra", 6, new Ballot(2, "nyc"), 6, 1);
    assertEquals("nyc", OwnerChoice.mostComplete(List.of(old, newer, shorter)).server());
    var longer = new OwnerChoice.Promise("fra", 8, new Ballot(2, "nyc"), 6, 1);
    assertEquals("fra", OwnerChoice.mostComplete(List.of(old, newer, longer)).server());
  }
}
