package dev.tako.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tako servers upgrade} keeps a server's journal: the node of this build reads the journal
 * the node of release 0.1.0 wrote ({@link ReleasedLayoutFixture}) into the same state, deploys,
 * secrets and heads alike, and can append to it.
 */
class ReleasedLayoutRecoveryTest {

  @TempDir Path tmp;

  @Test
  void theNewNodeRecoversTheReleasedNodesJournal() throws Exception {
    copyJournal();
    ReleasedLayoutFixture.assertRecovered(recover());
  }

  @Test
  void andKeepsWritingToIt() throws Exception {
    copyJournal();
    NodeLedger.State first = recover();
    ActorTestKit kit = ActorTestKit.create("ledger-released", LedgerFixtures.onDisk(tmp));
    try {
      ActorRef<NodeLedger.Command> ledger =
          kit.spawn(NodeLedger.create(ReleasedLayoutFixture.SERVER));
      var status =
          kit.<org.apache.pekko.pattern.StatusReply<org.apache.pekko.Done>>createTestProbe();
      ledger.tell(new NodeLedger.Activate("web", "production", "w2", status.ref()));
      status.expectMessage(org.apache.pekko.pattern.StatusReply.ack());
    } finally {
      kit.shutdownTestKit();
    }
    NodeLedger.State after = recover();
    assertEquals("w2", after.app("web", "production").orElseThrow().current());
    assertEquals(first.heads(), after.heads());
    assertEquals(first.secrets(), after.secrets());
  }

  private NodeLedger.State recover() {
    return LedgerFixtures.recover(tmp, ReleasedLayoutFixture.SERVER);
  }

  private void copyJournal() throws IOException, URISyntaxException {
    LedgerFixtures.copyResource(
        ReleasedLayoutFixture.RESOURCE + "/journal", tmp.resolve("journal"));
    Files.createDirectories(tmp.resolve("snapshots"));
  }
}
