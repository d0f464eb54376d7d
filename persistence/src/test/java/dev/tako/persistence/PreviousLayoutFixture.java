package dev.tako.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.crypto.SecretBox;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The ledger history kept in {@code src/test/resources/ledger/previous-layout/}: what it was
 * written with ({@link #write}) and what a reader must recover from it ({@link #assertRecovered}).
 * The fixture was written by the code of commit a707029, whose events and snapshot held protocol's
 * {@code DeployRequest} and {@code SecretBox.Sealed}; 108 events, so the journal also holds the
 * snapshot taken at event 100. Never regenerate it with newer code: its point is to stay old.
 */
final class PreviousLayoutFixture {

  /** The server whose ledger the fixture holds ({@code tako-node-ledger-la}). */
  static final String SERVER = "la";

  /** The classpath folder holding {@code journal/} and {@code snapshots/}. */
  static final String RESOURCE = "/ledger/previous-layout";

  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private PreviousLayoutFixture() {}

  /** A request with every field set, varied by app so a swapped field shows. */
  static DeployRequest request(String app, String env, String release, int instances) {
    boolean api = app.equals("api");
    return new DeployRequest(
        app,
        env,
        release,
        String.format("%08x", release.hashCode()).repeat(8),
        List.of("bin/" + app, "--port", "$PORT"),
        api ? "/healthz" : "/health",
        instances,
        api ? "0" : "5m",
        api ? "bin/migrate --yes" : null,
        Map.of("MODE", env, "RELEASE_NAME", release),
        app.equals("docs")
            ? List.of()
            : List.of(app + ".example.com", "www." + app + ".example.com"),
        api ? List.of("la", "nyc", "fra") : List.of("la"),
        api ? "rolling" : "atomic",
        api ? "nyc" : null,
        api ? "acme" : "self-signed",
        api ? "ops@example.com" : null,
        api ? "https://acme.example.com/directory" : null,
        "ada@laptop",
        "2025-01-0" + (1 + Math.abs(release.hashCode()) % 9) + "T00:00:00Z");
  }

  static SecretBox.Sealed sealed(String n) {
    return new SecretBox.Sealed("nonce-" + n, "ciphertext-" + n);
  }

  /** Writes the history to a running ledger (with the code of the layout being captured). */
  static void write(ActorTestKit kit, ActorRef<NodeLedger.Command> ledger) {
    TestProbe<Done> done = kit.createTestProbe();
    TestProbe<StatusReply<Done>> status = kit.createTestProbe();
    for (int i = 1; i <= 48; i++) {
      record(ledger, done, "web", "prod", "r" + i, 2);
      activate(ledger, status, "web", "prod", "r" + i);
    }
    ledger.tell(new NodeLedger.SetDesired("web", "prod", 3, status.ref()));
    assertTrue(status.receiveMessage(TIMEOUT).isSuccess());
    secrets(
        ledger,
        done,
        "web",
        "prod",
        Map.of("DATABASE_URL", sealed("1"), "API_KEY", sealed("2")),
        "d1");
    record(ledger, done, "api", "staging", "a1", 4);
    activate(ledger, status, "api", "staging", "a1"); // event 100: the snapshot
    record(ledger, done, "web", "prod", "r49", 2);
    secrets(ledger, done, "api", "staging", Map.of("TOKEN", sealed("3")), "d2");
    ledger.tell(new NodeLedger.SetDesired("api", "staging", 0, status.ref()));
    assertTrue(status.receiveMessage(TIMEOUT).isSuccess());
    record(ledger, done, "gone", "prod", "g1", 1);
    secrets(ledger, done, "gone", "prod", Map.of("X", sealed("4")), "d3");
    ledger.tell(new NodeLedger.RemoveApp("gone", "prod", done.ref()));
    done.expectMessage(TIMEOUT, Done.getInstance());
    secrets(ledger, done, "web", "prod", Map.of("DATABASE_URL", sealed("5")), "d4");
    record(ledger, done, "docs", "prod", "d1", 1);
  }

  /** What {@link #write} leaves, checked field by field. */
  static void assertRecovered(NodeLedger.State state) {
    assertEquals(3, state.apps().size(), state.apps().keySet()::toString);

    NodeLedger.AppState web = state.app("web", "prod").orElseThrow();
    assertEquals("web", web.app());
    assertEquals("prod", web.env());
    assertEquals(
        IntStream.rangeClosed(40, 49).mapToObj(i -> "r" + i).toList(),
        web.releases().stream().map(NodeLedger.ReleaseRecord::id).toList());
    assertEquals("r48", web.current());
    assertEquals(Integer.valueOf(3), web.desired());
    assertEquals(3, web.effectiveDesired());
    for (NodeLedger.ReleaseRecord r : web.releases()) {
      assertRelease(r, request("web", "prod", r.id(), 2));
    }

    NodeLedger.AppState api = state.app("api", "staging").orElseThrow();
    assertEquals(List.of("a1"), api.releases().stream().map(NodeLedger.ReleaseRecord::id).toList());
    assertEquals("a1", api.current());
    assertEquals(Integer.valueOf(0), api.desired());
    assertEquals(0, api.effectiveDesired());
    assertRelease(api.currentRelease().orElseThrow(), request("api", "staging", "a1", 4));

    NodeLedger.AppState docs = state.app("docs", "prod").orElseThrow();
    assertNull(docs.current());
    assertNull(docs.desired());
    assertEquals(0, docs.effectiveDesired());
    assertRelease(docs.release("d1").orElseThrow(), request("docs", "prod", "d1", 1));

    assertTrue(state.app("gone", "prod").isEmpty());
    assertEquals(Map.of("DATABASE_URL", sealed("5")), state.secretsOf("web", "prod").sealed());
    assertEquals("d4", state.secretsOf("web", "prod").digest());
    assertEquals(Map.of("TOKEN", sealed("3")), state.secretsOf("api", "staging").sealed());
    assertEquals("d2", state.secretsOf("api", "staging").digest());
    assertEquals(Map.of(), state.secretsOf("gone", "prod").sealed());
    assertNull(state.secretsOf("gone", "prod").digest());
    assertEquals(Map.of(), state.secretsOf("docs", "prod").sealed());
  }

  private static void assertRelease(NodeLedger.ReleaseRecord actual, DeployRequest expected) {
    DeployRequest r = actual.request();
    assertEquals(expected.release(), actual.id());
    assertEquals(expected.created(), actual.created());
    assertEquals(expected.by(), actual.by());
    assertEquals(expected.app(), r.app());
    assertEquals(expected.env(), r.env());
    assertEquals(expected.release(), r.release());
    assertEquals(expected.artifactSha256(), r.artifactSha256());
    assertEquals(expected.start(), r.start());
    assertEquals(expected.health(), r.health());
    assertEquals(expected.instances(), r.instances());
    assertEquals(expected.idleTimeout(), r.idleTimeout());
    assertEquals(expected.releaseCommand(), r.releaseCommand());
    assertEquals(expected.vars(), r.vars());
    assertEquals(expected.routes(), r.routes());
    assertEquals(expected.servers(), r.servers());
    assertEquals(expected.strategy(), r.strategy());
    assertEquals(expected.canary(), r.canary());
    assertEquals(expected.tls(), r.tls());
    assertEquals(expected.acmeEmail(), r.acmeEmail());
    assertEquals(expected.acmeDirectory(), r.acmeDirectory());
    assertEquals(expected.by(), r.by());
    assertEquals(expected.created(), r.created());
    assertEquals(expected, r, "and nothing else differs");
  }

  static NodeLedger.State get(ActorTestKit kit, ActorRef<NodeLedger.Command> ledger) {
    TestProbe<NodeLedger.State> probe = kit.createTestProbe();
    ledger.tell(new NodeLedger.Get(probe.ref()));
    return probe.receiveMessage(TIMEOUT);
  }

  private static void record(
      ActorRef<NodeLedger.Command> ledger,
      TestProbe<Done> done,
      String app,
      String env,
      String id,
      int instances) {
    DeployRequest r = request(app, env, id, instances);
    ledger.tell(
        new NodeLedger.RecordRelease(
            new NodeLedger.ReleaseRecord(id, r, r.created(), r.by()), done.ref()));
    done.expectMessage(TIMEOUT, Done.getInstance());
  }

  private static void activate(
      ActorRef<NodeLedger.Command> ledger,
      TestProbe<StatusReply<Done>> status,
      String app,
      String env,
      String id) {
    ledger.tell(new NodeLedger.Activate(app, env, id, status.ref()));
    assertTrue(status.receiveMessage(TIMEOUT).isSuccess());
  }

  private static void secrets(
      ActorRef<NodeLedger.Command> ledger,
      TestProbe<Done> done,
      String app,
      String env,
      Map<String, SecretBox.Sealed> sealed,
      String digest) {
    ledger.tell(new NodeLedger.SetSecrets(app, env, sealed, digest, done.ref()));
    done.expectMessage(TIMEOUT, Done.getInstance());
  }
}
