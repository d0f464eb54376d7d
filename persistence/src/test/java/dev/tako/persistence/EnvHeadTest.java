package dev.tako.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ordering rule every node applies to pick an environment's head. */
class EnvHeadTest {

  static EnvHead head(String release, long generation, long at, String by) {
    return new EnvHead(
        "web",
        "prod",
        release,
        "sha-" + release,
        List.of("la", "nyc"),
        generation,
        at,
        by,
        EnvHead.DEPLOY,
        null);
  }

  @Test
  void higherGenerationWinsWhateverTheClock() {
    EnvHead older = head("r1", 2, 9_000, "sgp");
    EnvHead newer = head("r2", 3, 1_000, "la");
    assertTrue(newer.greaterThan(older));
    assertFalse(older.greaterThan(newer));
    assertSame(newer, EnvHead.max(older, newer));
    assertSame(newer, EnvHead.max(newer, older));
  }

  @Test
  void atEqualGenerationTheLaterDecisionWins() {
    EnvHead la = head("r-la", 4, 1_000, "la");
    EnvHead fra = head("r-fra", 4, 2_000, "fra");
    assertSame(fra, EnvHead.max(la, fra));
    assertSame(fra, EnvHead.max(fra, la));
  }

  @Test
  void atEqualGenerationAndTimeTheGreaterServerNameWins() {
    EnvHead fra = head("r-fra", 4, 1_000, "fra");
    EnvHead nyc = head("r-nyc", 4, 1_000, "nyc");
    assertSame(nyc, EnvHead.max(fra, nyc));
    assertSame(nyc, EnvHead.max(nyc, fra));
  }

  @Test
  void anyHeadWinsOverNoneAndTheSameHeadIsNotGreater() {
    EnvHead h = head("r1", 1, 1, "la");
    assertTrue(h.greaterThan(null));
    assertSame(h, EnvHead.max(null, h));
    assertFalse(h.greaterThan(head("r1", 1, 1, "la")));
  }

  @Test
  void everyArrivalOrderPicksTheSameHead() {
    List<EnvHead> heads =
        new ArrayList<>(
            List.of(
                head("a", 1, 5, "la"),
                head("b", 2, 1, "la"),
                head("c", 2, 3, "fra"),
                head("d", 2, 3, "nyc"),
                head("e", 1, 99, "sgp")));
    for (int i = 0; i < 20; i++) {
      Collections.shuffle(heads);
      EnvHead max = heads.stream().reduce(null, EnvHead::max);
      assertEquals("d", max.release());
    }
  }
}
