package dev.tako.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A newer node reads an older node's ledger: the journal and snapshot in {@code
 * src/test/resources/ledger/previous-layout/} were written by the previous layout (see {@link
 * PreviousLayoutFixture}); recovered with today's types they give the same state, once from the
 * snapshot plus the events after it, once from the events alone.
 */
class PreviousLayoutRecoveryTest {

  @TempDir Path tmp;

  @Test
  void recoversFromTheSnapshotAndTheEventsAfterIt() throws Exception {
    copyFixture("journal");
    copyFixture("snapshots");
    PreviousLayoutFixture.assertRecovered(recover());
  }

  @Test
  void recoversFromTheEventsAlone() throws Exception {
    copyFixture("journal");
    Files.createDirectories(tmp.resolve("snapshots"));
    PreviousLayoutFixture.assertRecovered(recover());
  }

  @Test
  void whatItRecoversItWritesBackReadably() throws Exception {
    copyFixture("journal");
    copyFixture("snapshots");
    NodeLedger.State first = recover();
    assertEquals(first, recover(), "a second recovery of the same journal");
  }

  private NodeLedger.State recover() {
    Config config =
        LedgerFixtures.CBOR.withFallback(
            LedgerJournal.config(tmp.resolve("journal"), tmp.resolve("snapshots")));
    ActorTestKit kit = ActorTestKit.create("ledger-previous-layout", config);
    try {
      ActorRef<NodeLedger.Command> ledger =
          kit.spawn(NodeLedger.create(PreviousLayoutFixture.SERVER));
      return PreviousLayoutFixture.get(kit, ledger);
    } finally {
      kit.shutdownTestKit();
    }
  }

  /** The fixture is copied: LevelDB rewrites its folder on open, and resources stay untouched. */
  private void copyFixture(String name) throws IOException, URISyntaxException {
    Path from =
        Path.of(
            Objects.requireNonNull(
                    getClass().getResource(PreviousLayoutFixture.RESOURCE + "/" + name),
                    "test resource " + name)
                .toURI());
    Path to = Files.createDirectories(tmp.resolve(name));
    List<Path> files;
    try (Stream<Path> listing = Files.list(from)) {
      files = listing.toList();
    }
    for (Path f : files) {
      Files.copy(f, to.resolve(f.getFileName().toString()));
    }
  }
}
