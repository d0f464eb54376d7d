package dev.tako.persistence;

import static dev.tako.persistence.LedgerFixtures.release;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger on the real, native LevelDB journal: what one system writes, the next recovers. */
class NodeLedgerLevelDbTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  @TempDir Path tmp;

  @Test
  void recoversItsStateInANewActorSystem() {
    Config config = LedgerFixtures.onDisk(tmp);

    NodeLedger.State written;
    ActorTestKit first = ActorTestKit.create("ledger-first", config);
    try {
      ActorRef<NodeLedger.Command> ledger = first.spawn(NodeLedger.create("la"));
      TestProbe<Done> done = first.createTestProbe();
      TestProbe<StatusReply<Done>> status = first.createTestProbe();
      for (int i = 1; i <= 12; i++) {
        ledger.tell(new NodeLedger.RecordRelease(release("web", "prod", "r" + i, 2), done.ref()));
        done.expectMessage(TIMEOUT, Done.getInstance());
      }
      ledger.tell(new NodeLedger.Activate("web", "prod", "r12", status.ref()));
      assertTrue(status.receiveMessage(TIMEOUT).isSuccess());
      ledger.tell(new NodeLedger.SetDesired("web", "prod", 3, status.ref()));
      assertTrue(status.receiveMessage(TIMEOUT).isSuccess());
      written = get(first, ledger);
    } finally {
      first.shutdownTestKit();
    }

    assertTrue(Files.isDirectory(tmp.resolve("journal")), "the journal is on disk");
    ActorTestKit second = ActorTestKit.create("ledger-second", config);
    try {
      NodeLedger.State recovered = get(second, second.spawn(NodeLedger.create("la")));
      assertEquals(written, recovered);
      NodeLedger.AppState web = recovered.app("web", "prod").orElseThrow();
      assertEquals("r12", web.current());
      assertEquals(3, web.effectiveDesired());
      assertEquals(
          List.of("r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12"),
          web.releases().stream().map(NodeLedger.ReleaseRecord::id).toList());
    } finally {
      second.shutdownTestKit();
    }
  }

  private static NodeLedger.State get(ActorTestKit kit, ActorRef<NodeLedger.Command> ledger) {
    TestProbe<NodeLedger.State> probe = kit.createTestProbe();
    ledger.tell(new NodeLedger.Get(probe.ref()));
    return probe.receiveMessage(TIMEOUT);
  }
}
