package dev.tako.cli;

import dev.tako.protocol.api.StatusView;
import dev.tako.protocol.config.AppConfig;
import dev.tako.protocol.deps.PackageJson;
import dev.tako.protocol.deps.SemverRange;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The deploy's runtime check before anything is built or uploaded (SPEC §10): {@code engines.node}
 * (or {@code engines.bun}) of the project's {@code package.json} against the version each target
 * server reports in its status member entry. Costs nothing when {@code engines} names no runtime
 * the app runs with; else one status query to the coordinator. Fails the deploy (exit 1) naming
 * each server, the version it has and the range; an invalid range is a configuration error (exit
 * 2). A server that reports no runtimes (an older node, or one still measuring them) is not
 * checked, with a warning.
 */
public final class EnginesCheck {
  private EnginesCheck() {}

  /** Checks the targets' runtimes through the coordinator's status; throws when one fails. */
  public static void check(
      Path project, AppConfig cfg, List<String> servers, NodeClient coordinator, Output out) {
    List<String> start = cfg.startCommand();
    Map<String, SemverRange> ranges =
        ranges(project, cfg.runtime(), start.isEmpty() ? "" : start.get(0));
    if (ranges.isEmpty()) {
      return;
    }
    StatusView status = coordinator.get("/v1/status", StatusView.class, Duration.ofSeconds(30));
    Map<String, StatusView.Member> members = new HashMap<>();
    status.cluster().members().forEach(m -> members.put(m.server(), m));
    List<String> problems = problems(ranges, servers, members, w -> out.progress("warning: " + w));
    if (!problems.isEmpty()) {
      throw CliException.failed(
          "the servers' runtimes do not satisfy package.json's engines, nothing was uploaded:\n  "
              + String.join("\n  ", problems)
              + "\n  upgrade the runtime on "
              + (problems.size() == 1 ? "that server" : "those servers")
              + ", or widen engines in package.json");
    }
    out.progress("  engines: " + describe(ranges) + " satisfied on " + String.join(", ", servers));
  }

  /**
   * The ranges of {@code engines} that apply to the app: {@code engines.node} for {@code runtime =
   * "node"}, {@code engines.bun} for bun, and for a {@code command} that starts node or bun; none
   * for go and java, or without a package.json.
   *
   * @param program the start command's program
   */
  static Map<String, SemverRange> ranges(Path project, AppConfig.Runtime runtime, String program) {
    String started = Path.of(program.isEmpty() ? "-" : program).getFileName().toString();
    List<String> runtimes =
        switch (runtime) {
          case NODE -> List.of("node");
          case BUN -> List.of("bun");
          case COMMAND ->
              started.equals("node") || started.equals("bun") ? List.of(started) : List.of();
          default -> List.of();
        };
    Map<String, SemverRange> out = new LinkedHashMap<>();
    if (runtimes.isEmpty()) {
      return out;
    }
    Optional<PackageJson> pkg;
    try {
      pkg = PackageJson.in(project);
    } catch (IOException e) {
      throw CliException.usage(project.resolve("package.json") + ": " + e.getMessage());
    }
    if (pkg.isEmpty()) {
      return out;
    }
    for (String rt : runtimes) {
      Optional<String> range = pkg.get().engine(rt);
      if (range.isPresent()) {
        try {
          out.put(rt, SemverRange.parse(range.get()));
        } catch (IllegalArgumentException e) {
          throw CliException.usage(
              "package.json: engines."
                  + rt
                  + " is "
                  + e.getMessage()
                  + "\n  write a range such as \">=20\", \"^20.10\" or \"18 - 22\"");
        }
      }
    }
    return out;
  }

  /**
   * What stops the deploy, one line per server and runtime, such as {@code la has node 20.20.2,
   * package.json engines.node wants >=22}; servers that cannot be checked go to {@code warn}.
   */
  static List<String> problems(
      Map<String, SemverRange> ranges,
      List<String> servers,
      Map<String, StatusView.Member> members,
      Consumer<String> warn) {
    List<String> problems = new ArrayList<>();
    for (String server : servers) {
      StatusView.Member m = members.get(server);
      if (m == null || m.runtimes() == null) {
        warn.accept(
            "cannot check package.json engines on "
                + server
                + ": its node reports no runtimes (not up yet, or an older tako); deploying anyway");
        continue;
      }
      for (var e : ranges.entrySet()) {
        String wants = ", package.json engines." + e.getKey() + " wants " + e.getValue();
        String version = m.runtimes().get(e.getKey());
        if (version == null) {
          problems.add(server + " has no " + e.getKey() + " on its PATH" + wants);
          continue;
        }
        boolean ok;
        try {
          ok = e.getValue().satisfiedBy(version);
        } catch (IllegalArgumentException ex) {
          warn.accept(server + " reports " + e.getKey() + " " + version + ": " + ex.getMessage());
          continue;
        }
        if (!ok) {
          problems.add(server + " has " + e.getKey() + " " + version + wants);
        }
      }
    }
    return problems;
  }

  private static String describe(Map<String, SemverRange> ranges) {
    List<String> parts = new ArrayList<>();
    ranges.forEach((rt, r) -> parts.add(rt + " " + r));
    return String.join(", ", parts);
  }
}
