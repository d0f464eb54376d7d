package dev.tako.node.converge;

import dev.tako.persistence.EnvHead;
import java.time.Duration;
import java.util.Objects;

/**
 * What this server does about the head of one app/env: nothing, note that it already serves it,
 * fetch the head's secrets first, switch to a release it holds, fetch the release from a peer, or
 * restart the release it serves (the head changed only its secrets). Pure: the {@link Convergence}
 * actor gathers the facts, this decides.
 *
 * <p>Two rules make convergence safe. It never goes backwards: a head that is not greater ({@link
 * EnvHead#ORDER}) than the one this server last applied changes nothing (a rollback is a newer head
 * that names an older release, so it does apply). And it never runs a release without the head's
 * secrets: a head whose secrets digest differs from the one stored here fetches them first.
 */
public final class ConvergencePolicy {
  private ConvergencePolicy() {}

  /** The decision, in the order a catch-up takes them. */
  public enum Action {
    /** Not this server's environment, or nothing newer than what it applied. */
    NONE,
    /** It serves the head's release with the head's secrets already: record that. */
    MARK_APPLIED,
    /** Its secrets are not the head's: fetch them from a peer, then decide again. */
    FETCH_SECRETS,
    /** It serves the head's release, but the head brought new secrets: start it again. */
    RESTART,
    /** The head's release is recorded here: start, health-check and switch to it. */
    SWITCH_LOCAL,
    /** The head's release is not here: fetch its artifact from a peer, prepare, then switch. */
    FETCH_RELEASE,
    /** The app/env was deleted while this server was away and it still has it: remove it here. */
    DELETE
  }

  /**
   * What this server knows of one app/env.
   *
   * @param current the release it serves (null: none)
   * @param recorded whether the head's release is recorded (prepared) here
   * @param secretsDigest the digest of the secrets stored here (null: none)
   * @param applied the greatest head this server applied (null: none)
   */
  public record Local(String current, boolean recorded, String secretsDigest, EnvHead applied) {}

  public static Action decide(String server, EnvHead head, Local local) {
    if (head == null || !head.servers().contains(server)) {
      return Action.NONE;
    }
    if (local.applied() != null && !head.greaterThan(local.applied())) {
      return Action.NONE;
    }
    if (head.deleted()) {
      return local.current() != null || local.recorded() ? Action.DELETE : Action.MARK_APPLIED;
    }
    boolean secretsOk =
        head.secretsDigest() == null || head.secretsDigest().equals(local.secretsDigest());
    if (!secretsOk) {
      return Action.FETCH_SECRETS;
    }
    if (head.release().equals(local.current())) {
      EnvHead applied = local.applied();
      boolean secretsChangedSinceApplied =
          applied != null
              && head.secretsDigest() != null
              && head.release().equals(applied.release())
              && !Objects.equals(head.secretsDigest(), applied.secretsDigest());
      return secretsChangedSinceApplied ? Action.RESTART : Action.MARK_APPLIED;
    }
    return local.recorded() ? Action.SWITCH_LOCAL : Action.FETCH_RELEASE;
  }

  /** The wait before the next attempt after {@code failures} failed ones: 5 s doubling to 60 s. */
  public static Duration backoff(int failures) {
    long seconds = 5L << Math.min(Math.max(failures - 1, 0), 4);
    return Duration.ofSeconds(Math.min(seconds, 60));
  }
}
