package dev.tako.node.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.protocol.api.DeployResult.ServerResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutOutcomeTest {
  private static final List<String> SERVERS = List.of("a", "b", "c", "d", "e");

  @Test
  void eachServerReportsWhatHappenedToItInRolloutOrder() {
    RolloutOutcome o = new RolloutOutcome();
    o.unchanged("a");
    o.previous("b", "r1");
    o.switched("b");
    o.previous("c", "r1");
    o.switched("c");
    o.rolledBack("c");
    assertTrue(o.fail("d", "boom"));
    assertFalse(o.fail("d", "again"), "the first error stays");

    assertEquals(
        List.of(
            new ServerResult("a", "unchanged", null),
            new ServerResult("b", "switched", null),
            new ServerResult("c", "rolled-back", null),
            new ServerResult("d", "failed", "boom"),
            new ServerResult("e", "not-switched", null)),
        o.results(SERVERS));
    assertEquals(List.of("b", "c", "d", "e"), o.changed(SERVERS));
  }

  @Test
  void onlySwitchedServersWithAPreviousReleaseAndNoErrorGoBack() {
    RolloutOutcome o = new RolloutOutcome();
    o.previous("a", "r1");
    o.switched("a");
    o.switched("b"); // first deploy there: nothing to go back to
    o.previous("c", "r1");
    o.switched("c");
    o.fail("c", "switch failed");
    assertEquals(List.of("a"), o.revertable());
    assertEquals(List.of(), o.readyToSwitchBack());
    o.revertStarted("a");
    assertEquals(List.of("a"), o.readyToSwitchBack());
  }

  @Test
  void theServersThatServeTheReleaseNeedNoCatchUp() {
    List<ServerResult> results =
        List.of(
            new ServerResult("a", "unchanged", null),
            new ServerResult("b", "switched", null),
            new ServerResult("c", "not-switched", null),
            new ServerResult("d", "skipped", null),
            new ServerResult("e", "failed", "boom"));
    assertEquals(List.of("a", "b"), RolloutOutcome.serving(results, false));
    assertEquals(List.of("a", "b", "c"), RolloutOutcome.serving(results, true));
  }
}
