package dev.tako.persistence;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the journal and snapshot of {@link PreviousLayoutFixture} into the folder named by the
 * system property {@code tako.ledger.fixture.out}; skipped without it. This is how the fixture in
 * {@code src/test/resources/ledger/previous-layout/} was made, with the ledger of commit a707029:
 *
 * <pre>
 * mvn -B -o -pl persistence -am test -Dtest=PreviousLayoutFixtureGenerator \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dtako.ledger.fixture.out=/tmp/ledger-fixture
 * cp -r /tmp/ledger-fixture/journal /tmp/ledger-fixture/snapshots \
 *     persistence/src/test/resources/ledger/previous-layout/
 * </pre>
 *
 * (without LevelDB's {@code LOCK} and {@code LOG*} files). Run against today's code it captures
 * today's layout instead: to keep a new fixture next to the old one when the journal's types
 * change, write it to a new folder, never over {@code previous-layout}.
 */
class PreviousLayoutFixtureGenerator {

  @Test
  @EnabledIfSystemProperty(named = "tako.ledger.fixture.out", matches = ".+")
  void writeTheFixture() throws IOException {
    Path out = Path.of(System.getProperty("tako.ledger.fixture.out"));
    ActorTestKit kit = ActorTestKit.create("ledger-fixture", LedgerFixtures.onDisk(out));
    try {
      ActorRef<NodeLedger.Command> ledger =
          kit.spawn(NodeLedger.create(PreviousLayoutFixture.SERVER));
      PreviousLayoutFixture.write(kit, ledger);
      PreviousLayoutFixture.assertRecovered(PreviousLayoutFixture.get(kit, ledger));
    } finally {
      kit.shutdownTestKit();
    }
    try (Stream<Path> snapshots = Files.list(out.resolve("snapshots"))) {
      assertTrue(snapshots.findAny().isPresent(), "the snapshot at event 100 was written");
    }
  }
}
