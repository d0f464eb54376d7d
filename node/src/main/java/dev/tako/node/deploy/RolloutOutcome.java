package dev.tako.node.deploy;

import dev.tako.protocol.api.DeployResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a rollout has done so far on each server, and the per-server result it reports: failed,
 * unchanged, rolled-back, switched or not-switched. Mutable, owned by one {@link Rollout}.
 */
final class RolloutOutcome {
  private final Map<String, String> errors = new LinkedHashMap<>();
  private final Set<String> unchanged = new HashSet<>();
  private final Map<String, String> previous = new HashMap<>();
  private final List<String> switched = new ArrayList<>();
  private final Set<String> revertStarted = new HashSet<>();
  private final Set<String> rolledBack = new HashSet<>();

  /** Records the first error of a server; false when it had failed already. */
  boolean fail(String server, String error) {
    return errors.putIfAbsent(server, error) == null;
  }

  boolean failed() {
    return !errors.isEmpty();
  }

  Map<String, String> errors() {
    return Map.copyOf(errors);
  }

  void unchanged(String server) {
    unchanged.add(server);
  }

  /** The release a server ran before this rollout (null: none). */
  void previous(String server, String release) {
    previous.put(server, release);
  }

  String previous(String server) {
    return previous.get(server);
  }

  void switched(String server) {
    switched.add(server);
  }

  void revertStarted(String server) {
    revertStarted.add(server);
  }

  void rolledBack(String server) {
    rolledBack.add(server);
  }

  /** The servers with something to do, in rollout order. */
  List<String> changed(List<String> servers) {
    return servers.stream().filter(s -> !unchanged.contains(s)).toList();
  }

  /**
   * The servers that switched, had a release before and did not fail: those a revert moves back.
   */
  List<String> revertable() {
    return switched.stream()
        .filter(s -> previous.get(s) != null && !errors.containsKey(s))
        .toList();
  }

  /** Of the revertable servers, those whose previous release started again. */
  List<String> readyToSwitchBack() {
    return revertable().stream().filter(revertStarted::contains).toList();
  }

  /** One result per server, in rollout order (a canary first, then the environment's order). */
  List<DeployResult.ServerResult> results(List<String> servers) {
    List<DeployResult.ServerResult> out = new ArrayList<>();
    for (String server : servers) {
      String result;
      if (errors.containsKey(server)) {
        result = "failed";
      } else if (unchanged.contains(server)) {
        result = "unchanged";
      } else if (rolledBack.contains(server)) {
        result = "rolled-back";
      } else if (switched.contains(server)) {
        result = "switched";
      } else {
        result = "not-switched";
      }
      out.add(new DeployResult.ServerResult(server, result, errors.get(server)));
    }
    return out;
  }

  /**
   * The servers that serve the rollout's release at its end (switched, or had it already): those
   * the environment's new head need not catch up. After a secrets sync, every server that stored
   * the secrets (restarted or not, as the user chose; not those a {@code --skip-unreachable} left
   * out).
   */
  static List<String> serving(List<DeployResult.ServerResult> results, boolean secretsSync) {
    return results.stream()
        .filter(
            r ->
                secretsSync
                    ? !r.result().equals("failed") && !r.result().equals("skipped")
                    : r.result().equals("switched") || r.result().equals("unchanged"))
        .map(DeployResult.ServerResult::server)
        .toList();
  }
}
