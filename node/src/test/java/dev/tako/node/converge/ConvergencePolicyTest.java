package dev.tako.node.converge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tako.node.converge.ConvergencePolicy.Action;
import dev.tako.node.converge.ConvergencePolicy.Local;
import dev.tako.persistence.EnvHead;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConvergencePolicyTest {

  private static EnvHead head(String release, long generation, String kind, String secrets) {
    return new EnvHead(
        "web",
        "prod",
        release,
        "sha-" + release,
        List.of("la", "nyc"),
        generation,
        1_000,
        "la",
        kind,
        secrets);
  }

  private static Action decide(EnvHead head, Local local) {
    return ConvergencePolicy.decide("nyc", head, local);
  }

  @Test
  void aDeletedHeadRemovesTheAppWhereItIsStillAndIsOnlyNotedElsewhere() {
    EnvHead deleted = head("r2", 3, EnvHead.DELETED, null);
    EnvHead deployed = head("r2", 2, EnvHead.DEPLOY, "d1");
    // It was away during tako delete and still serves r2 (with secrets the head no longer names).
    assertEquals(Action.DELETE, decide(deleted, new Local("r2", true, "d1", deployed)));
    // Deleted already, or never had it.
    assertEquals(Action.MARK_APPLIED, decide(deleted, new Local(null, false, null, deployed)));
    // Applied already: nothing (never backwards); a later deploy makes the app live again.
    assertEquals(Action.NONE, decide(deleted, new Local(null, false, null, deleted)));
    assertEquals(
        Action.FETCH_RELEASE,
        decide(head("r3", 4, EnvHead.DEPLOY, null), new Local(null, false, null, deleted)));
  }

  @Test
  void nothingForAnotherEnvironmentsServerOrWithoutAHead() {
    EnvHead h = head("r2", 2, EnvHead.DEPLOY, null);
    assertEquals(
        Action.NONE, ConvergencePolicy.decide("fra", h, new Local("r1", true, null, null)));
    assertEquals(Action.NONE, decide(null, new Local("r1", true, null, null)));
  }

  @Test
  void aServerOnTheHeadsReleaseOnlyNotesIt() {
    EnvHead h = head("r2", 2, EnvHead.DEPLOY, "d1");
    assertEquals(Action.MARK_APPLIED, decide(h, new Local("r2", true, "d1", null)));
    assertEquals(
        Action.MARK_APPLIED,
        decide(h, new Local("r2", true, "d1", head("r1", 1, EnvHead.DEPLOY, "d1"))));
  }

  @Test
  void switchesToARecordedReleaseElseFetchesIt() {
    EnvHead h = head("r2", 2, EnvHead.DEPLOY, null);
    EnvHead applied = head("r1", 1, EnvHead.DEPLOY, null);
    assertEquals(Action.SWITCH_LOCAL, decide(h, new Local("r1", true, null, applied)));
    assertEquals(Action.FETCH_RELEASE, decide(h, new Local("r1", false, null, applied)));
    assertEquals(Action.FETCH_RELEASE, decide(h, new Local(null, false, null, null)));
  }

  @Test
  void neverBackwardsButARollbackIsANewerHead() {
    EnvHead applied = head("r3", 3, EnvHead.DEPLOY, null);
    assertEquals(
        Action.NONE,
        decide(head("r2", 2, EnvHead.DEPLOY, null), new Local("r3", true, null, applied)));
    assertEquals(Action.NONE, decide(applied, new Local("r1", true, null, applied)));
    assertEquals(
        Action.SWITCH_LOCAL,
        decide(head("r2", 4, EnvHead.ROLLBACK, null), new Local("r3", true, null, applied)));
  }

  @Test
  void waitsForTheHeadsSecretsBeforeAnything() {
    EnvHead h = head("r2", 2, EnvHead.DEPLOY, "d2");
    EnvHead applied = head("r1", 1, EnvHead.DEPLOY, "d1");
    assertEquals(Action.FETCH_SECRETS, decide(h, new Local("r1", true, "d1", applied)));
    assertEquals(Action.FETCH_SECRETS, decide(h, new Local("r1", false, null, null)));
    assertEquals(Action.SWITCH_LOCAL, decide(h, new Local("r1", true, "d2", applied)));
  }

  @Test
  void aSecretsHeadRestartsTheReleaseServedWithTheOldSecrets() {
    EnvHead applied = head("r1", 1, EnvHead.DEPLOY, "d1");
    EnvHead secrets = head("r1", 2, EnvHead.SECRETS, "d2");
    assertEquals(Action.FETCH_SECRETS, decide(secrets, new Local("r1", true, "d1", applied)));
    assertEquals(Action.RESTART, decide(secrets, new Local("r1", true, "d2", applied)));
  }

  @Test
  void backsOffFromFiveSecondsToAMinute() {
    assertEquals(Duration.ofSeconds(5), ConvergencePolicy.backoff(1));
    assertEquals(Duration.ofSeconds(10), ConvergencePolicy.backoff(2));
    assertEquals(Duration.ofSeconds(40), ConvergencePolicy.backoff(4));
    assertEquals(Duration.ofSeconds(60), ConvergencePolicy.backoff(5));
    assertEquals(Duration.ofSeconds(60), ConvergencePolicy.backoff(50));
  }

  @Test
  void aHeadKeepsTheServersARolloutSkipped() {
    EnvHead previous = head("r1", 1, EnvHead.DEPLOY, null);
    assertEquals(List.of("la", "nyc"), Convergence.environment(List.of("la"), previous));
    assertEquals(
        List.of("la", "fra", "nyc"), Convergence.environment(List.of("la", "fra"), previous));
    assertEquals(List.of("la"), Convergence.environment(List.of("la"), null));
  }
}
