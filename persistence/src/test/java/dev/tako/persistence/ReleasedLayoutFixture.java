package dev.tako.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The ledger history kept in {@code src/test/resources/ledger/node-0.1.0/}: a journal written by
 * the node of release 0.1.0 (main at commit 3a1f68d, before {@code tako servers upgrade}), with
 * persistence's own event types: deploys, a scale, secrets, heads decided and applied, a delete. A
 * node that replaces it with {@code tako servers upgrade} must recover exactly this state. Never
 * regenerate it with newer code: its point is to stay old.
 */
final class ReleasedLayoutFixture {

  static final String SERVER = "nyc";
  static final String RESOURCE = "/ledger/node-0.1.0";

  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private ReleasedLayoutFixture() {}

  static EnvHead head(String app, String env, String release, long generation, String kind) {
    return new EnvHead(
        app,
        env,
        release,
        String.format("%08x", release.hashCode()).repeat(8),
        List.of("la", "nyc"),
        generation,
        1_767_225_600_000L + generation * 1000,
        generation % 2 == 0 ? "la" : "nyc",
        kind,
        kind.equals(EnvHead.SECRETS) ? "digest-" + generation : null);
  }

  /** Writes the history to a running ledger (with the code of the layout being captured). */
  static void write(ActorTestKit kit, ActorRef<NodeLedger.Command> ledger) {
    TestProbe<Done> done = kit.createTestProbe();
    TestProbe<StatusReply<Done>> status = kit.createTestProbe();
    TestProbe<NodeLedger.HeadsChanged> changed = kit.createTestProbe();
    for (String id : List.of("w1", "w2", "w3")) {
      record(ledger, done, "web", "production", id);
      ledger.tell(new NodeLedger.Activate("web", "production", id, status.ref()));
      assertTrue(status.receiveMessage(TIMEOUT).isSuccess());
    }
    ledger.tell(new NodeLedger.SetDesired("web", "production", 4, status.ref()));
    assertTrue(status.receiveMessage(TIMEOUT).isSuccess());
    ledger.tell(
        new NodeLedger.SetSecrets(
            "web",
            "production",
            Map.of(
                "DATABASE_URL",
                PreviousLayoutFixture.sealed("db"),
                "TOKEN",
                PreviousLayoutFixture.sealed("tk")),
            "digest-3",
            done.ref()));
    done.expectMessage(TIMEOUT, Done.getInstance());
    for (EnvHead h :
        List.of(
            head("web", "production", "w2", 2, EnvHead.DEPLOY),
            head("web", "production", "w3", 3, EnvHead.SECRETS),
            head("api", "staging", "a9", 7, EnvHead.ROLLBACK))) {
      ledger.tell(new NodeLedger.RecordHeads(List.of(h), changed.ref()));
      assertEquals(List.of(h), changed.receiveMessage(TIMEOUT).changed());
    }
    ledger.tell(
        new NodeLedger.MarkApplied(
            head("web", "production", "w3", 3, EnvHead.SECRETS), done.ref()));
    done.expectMessage(TIMEOUT, Done.getInstance());
    record(ledger, done, "old", "production", "o1");
    ledger.tell(new NodeLedger.RemoveApp("old", "production", done.ref()));
    done.expectMessage(TIMEOUT, Done.getInstance());
    ledger.tell(
        new NodeLedger.RecordHeads(
            List.of(head("old", "production", "o1", 5, EnvHead.DELETED)), changed.ref()));
    assertEquals(1, changed.receiveMessage(TIMEOUT).changed().size());
  }

  /** What {@link #write} leaves, checked field by field. */
  static void assertRecovered(NodeLedger.State state) {
    assertEquals(List.of("web/production"), List.copyOf(state.apps().keySet()));
    NodeLedger.AppState web = state.app("web", "production").orElseThrow();
    assertEquals(
        List.of("w1", "w2", "w3"),
        web.releases().stream().map(NodeLedger.ReleaseRecord::id).toList());
    assertEquals("w3", web.current());
    assertEquals(Integer.valueOf(4), web.desired());
    for (NodeLedger.ReleaseRecord r : web.releases()) {
      assertEquals(request(r.id()), r.request());
      assertEquals(request(r.id()).created(), r.created());
      assertEquals("ada@laptop", r.by());
    }
    assertEquals(
        Map.of(
            "DATABASE_URL",
            PreviousLayoutFixture.sealed("db"),
            "TOKEN",
            PreviousLayoutFixture.sealed("tk")),
        state.secretsOf("web", "production").sealed());
    assertEquals("digest-3", state.secretsOf("web", "production").digest());
    assertTrue(state.app("old", "production").isEmpty());
    assertEquals(
        head("web", "production", "w3", 3, EnvHead.SECRETS), state.head("web", "production"));
    assertEquals(head("api", "staging", "a9", 7, EnvHead.ROLLBACK), state.head("api", "staging"));
    assertEquals(
        head("old", "production", "o1", 5, EnvHead.DELETED), state.head("old", "production"));
    assertTrue(state.head("old", "production").deleted());
    assertEquals(
        head("web", "production", "w3", 3, EnvHead.SECRETS),
        state.appliedHead("web", "production"));
    assertNull(state.appliedHead("api", "staging"));
    assertEquals(3, state.heads().size());
    assertEquals(1, state.applied().size());
  }

  static dev.tako.protocol.api.DeployRequest request(String id) {
    String app = id.startsWith("o") ? "old" : "web";
    return PreviousLayoutFixture.request(app, "production", id, 2);
  }

  private static void record(
      ActorRef<NodeLedger.Command> ledger,
      TestProbe<Done> done,
      String app,
      String env,
      String id) {
    dev.tako.protocol.api.DeployRequest r = request(id);
    ledger.tell(
        new NodeLedger.RecordRelease(
            new NodeLedger.ReleaseRecord(id, r, r.created(), r.by()), done.ref()));
    done.expectMessage(TIMEOUT, Done.getInstance());
  }
}
