package dev.tako.node.deploy;

import java.util.List;
import java.util.Locale;

/**
 * How a rollout moves the changed servers to the new release, as batches started and switched
 * together (the servers arrive in rollout order, a canary first):
 *
 * <ul>
 *   <li>{@link #ATOMIC}: one batch; the release starts everywhere and switches only when every
 *       server reported it ready, so a failure switches nothing;
 *   <li>{@link #ROLLING}: one server per batch; the first failure stops the rollout and what
 *       already switched is switched back.
 * </ul>
 */
public enum Strategy {
  ATOMIC,
  ROLLING;

  /**
   * The strategy named on the wire; anything but "rolling" is atomic (the CLI validates tako.toml,
   * and the safer strategy is the one that switches nothing on failure).
   */
  public static Strategy of(String name) {
    return "rolling".equals(name) ? ROLLING : ATOMIC;
  }

  /** The batches of {@code servers}, in order. */
  public List<List<String>> batches(List<String> servers) {
    if (servers.isEmpty()) {
      return List.of();
    }
    return switch (this) {
      case ATOMIC -> List.of(List.copyOf(servers));
      case ROLLING -> servers.stream().map(List::of).toList();
    };
  }

  /** The wire name. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
