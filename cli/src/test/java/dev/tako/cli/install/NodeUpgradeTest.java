package dev.tako.cli.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.cli.CliException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code tako servers upgrade} checks before it touches a server. */
class NodeUpgradeTest {

  @Test
  void aDistributionWhoseNodeCannotLoadIsRefusedBeforeAnythingChanges(@TempDir Path tmp)
      throws Exception {
    Path lib = Files.createDirectories(tmp.resolve("lib/node"));
    Files.write(lib.resolve("node-0.2.0.jar"), new byte[] {'P', 'K', 3, 4, 0}); // cut short

    CliException e = assertThrows(CliException.class, () -> NodeUpgrade.checkLocally(lib, "la"));

    assertEquals(CliException.FAILED, e.exitCode());
    assertTrue(e.getMessage().contains("does not start"), e.getMessage());
    assertTrue(e.getMessage().contains("la was left as it was"), e.getMessage());
    assertTrue(
        e.getMessage().contains("dev.tako.node.Main"), "says what failed: " + e.getMessage());
  }

  @Test
  void onlyTheNodesOwnUsageAnswerCountsAsStarting() {
    assertTrue(
        NodeUpgrade.usable(
            2, "usage: dev.tako.node.Main <home>   (the directory holding node.conf)\n"));
    assertTrue(!NodeUpgrade.usable(1, "usage: dev.tako.node.Main <home>"));
    assertTrue(!NodeUpgrade.usable(2, "Error: Could not find or load main class"));
  }

  @Test
  void theSeedsOfARestartAreOneHoconLine() {
    assertEquals(
        "tako.cluster.seeds = [\"127.0.0.3:25520\", \"10.0.0.4:25520\"]",
        NodeUpgrade.withSeeds(List.of("127.0.0.3:25520", "10.0.0.4:25520")));
  }
}
