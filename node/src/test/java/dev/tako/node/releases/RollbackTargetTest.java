package dev.tako.node.releases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.persistence.NodeLedger;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.api.RollbackRequest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RollbackTargetTest {
  private static DeployRequest request(String release) {
    return new DeployRequest(
        "hello",
        "production",
        release,
        "sha-" + release,
        List.of("node", "server.js"),
        "/",
        1,
        "5m",
        "migrate",
        Map.of(),
        List.of("hello.test"),
        List.of("a"),
        "rolling",
        "a",
        null,
        null,
        null,
        "me@laptop",
        "2026-01-01T00:00:00Z");
  }

  private static Optional<NodeLedger.AppState> ledger(String current, String... releases) {
    List<NodeLedger.ReleaseRecord> records =
        java.util.Arrays.stream(releases)
            .map(r -> new NodeLedger.ReleaseRecord(r, request(r), "2026-01-01T00:00:00Z", "me"))
            .toList();
    return Optional.of(new NodeLedger.AppState("hello", "production", records, current, null));
  }

  private static RollbackRequest rollback(String release) {
    return new RollbackRequest("hello", "production", release, List.of("a", "b"), "me@laptop");
  }

  @Test
  void theReleaseBeforeTheCurrentOneToTheServersAskedWithoutReleaseCommandOrCanary() {
    RollbackTarget t = RollbackTarget.find(ledger("r3", "r1", "r2", "r3"), rollback(null), "a");
    assertNull(t.error());
    assertEquals("r2", t.request().release());
    assertEquals(List.of("a", "b"), t.request().servers());
    assertNull(t.request().releaseCommand());
    assertNull(t.request().canary());
    assertEquals("sha-r2", t.request().artifactSha256());
  }

  @Test
  void aNamedRelease() {
    RollbackTarget t = RollbackTarget.find(ledger("r3", "r1", "r2", "r3"), rollback("r1"), "a");
    assertEquals("r1", t.request().release());
  }

  @Test
  void whatCannotBeRolledBackSaysWhy() {
    assertEquals(
        "hello/production is not deployed on a",
        RollbackTarget.find(Optional.empty(), rollback(null), "a").error());
    assertEquals(
        "hello/production is not deployed on a",
        RollbackTarget.find(ledger(null, "r1"), rollback(null), "a").error());
    assertEquals(
        "there is no release before r1 on a",
        RollbackTarget.find(ledger("r1", "r1"), rollback(null), "a").error());
    String unknown = RollbackTarget.find(ledger("r2", "r1", "r2"), rollback("r9"), "a").error();
    assertTrue(unknown.startsWith("release r9 is not known on a"), unknown);
  }
}
