package dev.tako.persistence;

import java.nio.file.Path;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the journal of {@link ReleasedLayoutFixture} into the folder named by {@code
 * tako.ledger.released.out}; skipped without it. The fixture in {@code
 * src/test/resources/ledger/node-0.1.0/} was made with the ledger of commit 3a1f68d:
 *
 * <pre>
 * mvn -B -o -pl persistence -am test -Dtest=ReleasedLayoutFixtureGenerator \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dtako.ledger.released.out=/tmp/ledger-0.1.0
 * cp -r /tmp/ledger-0.1.0/journal persistence/src/test/resources/ledger/node-0.1.0/
 * </pre>
 *
 * (without LevelDB's {@code LOCK} and {@code LOG*} files). For a later release, write a new folder
 * next to this one, never over it.
 */
class ReleasedLayoutFixtureGenerator {

  @Test
  @EnabledIfSystemProperty(named = "tako.ledger.released.out", matches = ".+")
  void writeTheFixture() {
    Path out = Path.of(System.getProperty("tako.ledger.released.out"));
    ActorTestKit kit = ActorTestKit.create("ledger-released", LedgerFixtures.onDisk(out));
    try {
      ActorRef<NodeLedger.Command> ledger =
          kit.spawn(NodeLedger.create(ReleasedLayoutFixture.SERVER));
      ReleasedLayoutFixture.write(kit, ledger);
      ReleasedLayoutFixture.assertRecovered(PreviousLayoutFixture.get(kit, ledger));
    } finally {
      kit.shutdownTestKit();
    }
  }
}
