package dev.tako.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
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

  /** Proves the snapshot itself is read: without the journal, the state as of event 100. */
  @Test
  void readsTheSnapshotItself() throws Exception {
    Files.createDirectories(tmp.resolve("journal"));
    copyFixture("snapshots");
    NodeLedger.State state = recover();
    assertEquals(Set.of("web/prod", "api/staging"), state.apps().keySet());
    NodeLedger.AppState web = state.app("web", "prod").orElseThrow();
    assertEquals(
        IntStream.rangeClosed(39, 48).mapToObj(i -> "r" + i).toList(),
        web.releases().stream().map(NodeLedger.ReleaseRecord::id).toList());
    assertEquals("r48", web.current());
    assertEquals(3, web.effectiveDesired());
    assertEquals(
        PreviousLayoutFixture.request("web", "prod", "r48", 2),
        web.currentRelease().orElseThrow().request());
    assertEquals(
        Map.of(
            "DATABASE_URL",
            PreviousLayoutFixture.sealed("1"),
            "API_KEY",
            PreviousLayoutFixture.sealed("2")),
        state.secretsOf("web", "prod").sealed());
    assertEquals("d1", state.secretsOf("web", "prod").digest());
    NodeLedger.AppState api = state.app("api", "staging").orElseThrow();
    assertEquals("a1", api.current());
    assertNull(api.desired());
    assertEquals(4, api.effectiveDesired());
    assertEquals(
        PreviousLayoutFixture.request("api", "staging", "a1", 4),
        api.currentRelease().orElseThrow().request());
  }

  @Test
  void whatItRecoversItWritesBackReadably() throws Exception {
    copyFixture("journal");
    copyFixture("snapshots");
    NodeLedger.State first = recover();
    assertEquals(first, recover(), "a second recovery of the same journal");
  }

  private NodeLedger.State recover() {
    return LedgerFixtures.recover(tmp, PreviousLayoutFixture.SERVER);
  }

  private void copyFixture(String name) throws IOException, URISyntaxException {
    LedgerFixtures.copyResource(PreviousLayoutFixture.RESOURCE + "/" + name, tmp.resolve(name));
  }
}
