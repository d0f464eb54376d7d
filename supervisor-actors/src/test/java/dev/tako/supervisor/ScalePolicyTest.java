package dev.tako.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScalePolicyTest {

  @Test
  void theDesiredCountRunsAndScaleToZeroRunsOneWhileAwake() {
    assertEquals(3, ScalePolicy.wanted(3, false));
    assertEquals(3, ScalePolicy.wanted(3, true));
    assertEquals(1, ScalePolicy.wanted(0, true));
    assertEquals(0, ScalePolicy.wanted(0, false));
  }

  @Test
  void startsWhatIsMissingAndNeverANegativeCount() {
    assertEquals(2, ScalePolicy.toStart(1, 3));
    assertEquals(0, ScalePolicy.toStart(3, 3));
    assertEquals(0, ScalePolicy.toStart(4, 1));
  }

  @Test
  void retiresNothingWhenNotTooMany() {
    assertEquals(List.of(), ScalePolicy.toRetire(List.of("a", "b"), 2, s -> true));
    assertEquals(List.of(), ScalePolicy.toRetire(List.of("a"), 3, s -> true));
  }

  @Test
  void retiresTheNewestFirstAmongEquallyRoutable() {
    List<String> oldestFirst = List.of("a", "b", "c", "d");
    assertEquals(List.of("d", "c"), ScalePolicy.toRetire(oldestFirst, 2, s -> true));
    assertEquals(List.of("d", "c", "b", "a"), ScalePolicy.toRetire(oldestFirst, 0, s -> false));
  }

  @Test
  void retiresThoseNotRoutableBeforeRoutableOnes() {
    Set<String> routable = Set.of("c", "d");
    List<String> oldestFirst = List.of("a", "b", "c", "d");
    assertEquals(List.of("b", "a"), ScalePolicy.toRetire(oldestFirst, 2, routable::contains));
    assertEquals(List.of("b", "a", "d"), ScalePolicy.toRetire(oldestFirst, 1, routable::contains));
  }
}
