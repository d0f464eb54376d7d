package dev.tako.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class MemberStatusPolicyTest {
  private static MemberStatusPolicy.Facts facts(
      String region, String membership, boolean unreachable, int failedAsks) {
    return new MemberStatusPolicy.Facts(region, membership, unreachable, failedAsks);
  }

  @Test
  void aReachableMemberShowsItsMembership() {
    assertEquals("up", MemberStatusPolicy.status("la", Set.of(), facts("la", "up", false, 0)));
    assertEquals("up", MemberStatusPolicy.status("la", Set.of(), facts("nyc", "up", false, 0)));
    assertEquals(
        "joining", MemberStatusPolicy.status("la", Set.of(), facts("nyc", "joining", false, 0)));
    assertEquals(
        "leaving", MemberStatusPolicy.status("la", Set.of(), facts("la", "leaving", false, 0)));
  }

  @Test
  void aMemberOfTheOwnRegionIsUnreachableByThePerMemberDetector() {
    assertEquals(
        "unreachable", MemberStatusPolicy.status("la", Set.of(), facts("la", "up", true, 0)));
  }

  @Test
  void aMemberOfAnUnreachableRegionIsUnreachableAlthoughNoOneHereMarkedItAlone() {
    assertEquals(
        "unreachable",
        MemberStatusPolicy.status("la", Set.of("nyc"), facts("nyc", "up", false, 0)));
    assertEquals(
        "up", MemberStatusPolicy.status("la", Set.of("nyc"), facts("fra", "up", false, 0)));
  }

  @Test
  void theOwnRegionIsNeverUnreachableAsARegion() {
    // Only other regions are watched as regions; the own one's members are judged one by one.
    assertEquals("up", MemberStatusPolicy.status("la", Set.of("la"), facts("la", "up", false, 0)));
  }

  @Test
  void failedAsksInARowMakeAMemberOfAnotherRegionUnreachable() {
    int n = MemberStatusPolicy.FAILED_ASKS_FOR_UNREACHABLE;
    assertEquals("up", MemberStatusPolicy.status("la", Set.of(), facts("nyc", "up", false, n - 1)));
    assertEquals(
        "unreachable", MemberStatusPolicy.status("la", Set.of(), facts("nyc", "up", false, n)));
    // Within the own region Pekko's per-member detector decides: a slow member stays up.
    assertEquals("up", MemberStatusPolicy.status("la", Set.of(), facts("la", "up", false, n)));
  }

  @Test
  void aDownedMemberIsDownEvenWhenUnreachable() {
    assertEquals(
        "down", MemberStatusPolicy.status("la", Set.of("nyc"), facts("nyc", "down", true, 5)));
  }

  @Test
  void statusAsksOnlyMembersThatAreUpOrLeaving() {
    assertTrue(MemberStatusPolicy.askNow("up"));
    assertTrue(MemberStatusPolicy.askNow("leaving"));
    assertFalse(MemberStatusPolicy.askNow("unreachable"));
    assertFalse(MemberStatusPolicy.askNow("joining"));
    assertFalse(MemberStatusPolicy.askNow("down"));
  }

  @Test
  void theRefreshSkipsWhatPekkoHoldsUnreachableButRetriesWhatOnlyFailedAsksMarked() {
    assertTrue(MemberStatusPolicy.refresh("la", Set.of(), facts("nyc", "up", false, 0)));
    assertFalse(MemberStatusPolicy.refresh("la", Set.of(), facts("la", "up", true, 0)));
    assertFalse(MemberStatusPolicy.refresh("la", Set.of("nyc"), facts("nyc", "up", false, 0)));
    assertTrue(MemberStatusPolicy.refresh("la", Set.of(), facts("nyc", "up", false, 7)));
    assertFalse(MemberStatusPolicy.refresh("la", Set.of(), facts("nyc", "joining", false, 0)));
  }
}
