package dev.tako.node.deploy;

/**
 * The steps of a {@link Rollout}, in order: a round of asks is one phase; its name ignores late
 * answers of an earlier round and names what timed out.
 */
enum Phase {
  LOCK,
  SECRETS,
  PREPARE,
  RELEASE_COMMAND,
  START,
  SWITCH,
  ABORT,
  REVERT_START,
  REVERT_SWITCH;

  /** Cleaning up after a failure: its own failures are logged, not reported. */
  boolean cleanup() {
    return this == ABORT || this == REVERT_START || this == REVERT_SWITCH;
  }

  String label() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
  }
}
