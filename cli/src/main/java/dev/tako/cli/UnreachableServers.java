package dev.tako.cli;

import dev.tako.protocol.api.DeployResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a deploy does about the servers of its environment the CLI could not reach (SPEC §11):
 * without {@code --skip-unreachable} it stops before building and names them; with it, the
 * reachable servers deploy and the others are listed as {@code skipped} in the result. Plain
 * policy: it decides from the environment's order and the connect failures, and refuses with a
 * {@link CliException} (exit 1, or 3 when no server answered at all).
 */
public final class UnreachableServers {
  /** The result's entry of a server left out of the deploy. */
  public static final String SKIPPED = "skipped";

  /**
   * The deploy's targets.
   *
   * @param deployTo the reachable servers, in the environment's order
   * @param skipped each unreachable server (environment's order) with why it could not be reached
   */
  public record Plan(List<String> deployTo, Map<String, String> skipped) {
    public Plan {
      deployTo = List.copyOf(deployTo);
      skipped = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(skipped));
    }
  }

  /**
   * The {@code --json} answer of a deploy refused because of unreachable servers: {@code {"ok":
   * false, "error": "…", "unreachable": ["fra"]}}.
   */
  public record Refusal(boolean ok, String error, List<String> unreachable) {
    public Refusal {
      unreachable = List.copyOf(unreachable);
    }
  }

  /** A refused deploy: the JSON answer to print and the exception that ends the command. */
  public static final class Refused extends RuntimeException {
    private final transient Refusal refusal;
    private final transient CliException exit;

    Refused(Refusal refusal, CliException exit) {
      super(exit.getMessage());
      this.refusal = refusal;
      this.exit = exit;
    }

    public Refusal refusal() {
      return refusal;
    }

    public CliException exit() {
      return exit;
    }
  }

  private UnreachableServers() {}

  /**
   * Decides the targets from the environment's servers in order and the connect failure of each
   * unreachable one. Refused (see {@link Refused}) when some are unreachable without {@code skip},
   * when none is reachable (exit 3), or when the canary is one of the unreachable.
   */
  public static Plan plan(
      List<String> envServers, Map<String, String> failures, boolean skip, String canary) {
    List<String> deployTo = new ArrayList<>();
    Map<String, String> skipped = new LinkedHashMap<>();
    for (String s : envServers) {
      if (failures.containsKey(s)) {
        skipped.put(s, failures.get(s));
      } else {
        deployTo.add(s);
      }
    }
    if (skipped.isEmpty()) {
      return new Plan(deployTo, skipped);
    }
    List<String> names = List.copyOf(skipped.keySet());
    String why = "\n  " + String.join("\n  ", skipped.values());
    if (deployTo.isEmpty()) {
      throw refused(
          CliException.UNREACHABLE,
          "cannot reach any server of the environment ("
              + String.join(", ", names)
              + "), nothing was changed on any server:"
              + why,
          names);
    }
    if (!skip) {
      throw refused(
          CliException.FAILED,
          "cannot reach "
              + String.join(", ", names)
              + ", nothing was built or changed on any server; deploy to the others with"
              + " --skip-unreachable:"
              + why,
          names);
    }
    if (canary != null && skipped.containsKey(canary)) {
      throw refused(
          CliException.FAILED,
          "the canary " + canary + " is unreachable, nothing was changed on any server:" + why,
          names);
    }
    return new Plan(deployTo, skipped);
  }

  private static Refused refused(int code, String message, List<String> names) {
    return new Refused(new Refusal(false, message, names), new CliException(code, message));
  }

  /**
   * The rollout's result with an entry {@code skipped} for every server left out: for {@code
   * atomic} at its place in the environment's order, else after the servers in rollout order. A
   * refused or locked result (no server entries) stays as it is; {@code ok} is the rollout's, which
   * is true when every server it deployed to switched.
   */
  public static DeployResult merge(
      DeployResult result, List<String> envServers, Plan plan, String strategy) {
    if (plan.skipped().isEmpty() || result.servers().isEmpty()) {
      return result;
    }
    Map<String, DeployResult.ServerResult> byServer = new LinkedHashMap<>();
    result.servers().forEach(s -> byServer.put(s.server(), s));
    List<DeployResult.ServerResult> merged = new ArrayList<>();
    if ("atomic".equals(strategy)) {
      for (String s : envServers) {
        DeployResult.ServerResult r = byServer.remove(s);
        if (r != null) {
          merged.add(r);
        } else if (plan.skipped().containsKey(s)) {
          merged.add(skipped(s, plan));
        }
      }
      merged.addAll(byServer.values());
    } else {
      merged.addAll(result.servers());
      plan.skipped().keySet().forEach(s -> merged.add(skipped(s, plan)));
    }
    return new DeployResult(result.ok(), result.release(), merged, result.error(), result.locked());
  }

  private static DeployResult.ServerResult skipped(String server, Plan plan) {
    return new DeployResult.ServerResult(
        server, SKIPPED, "unreachable: " + firstLine(plan.skipped().get(server)));
  }

  private static String firstLine(String s) {
    String t = s == null ? "" : s.strip();
    if (t.startsWith("error: ")) {
      t = t.substring("error: ".length());
    }
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }
}
