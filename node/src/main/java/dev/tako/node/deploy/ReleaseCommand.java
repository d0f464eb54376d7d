package dev.tako.node.deploy;

import dev.tako.node.NodeSettings;
import dev.tako.node.StepResult;
import dev.tako.supervisor.ReleaseSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs tako.toml's {@code release} command (e.g. migrations) once, on one server, before any
 * switch: {@code sh -c} in the release directory with the release's environment (no PORT: it serves
 * nothing). Output is appended to {@code logs/release-command.log}; a non-zero exit or the time
 * limit fails the deploy with the last output lines. Blocking: runs on the blocking dispatcher.
 */
public final class ReleaseCommand {
  private ReleaseCommand() {}

  public static StepResult run(ReleaseSpec spec, String command, NodeSettings settings) {
    Path log = spec.logsDir().resolve("release-command.log");
    try {
      Files.createDirectories(spec.logsDir());
      ProcessBuilder pb =
          new ProcessBuilder("sh", "-c", command).directory(spec.releaseDir().toFile());
      Map<String, String> env = pb.environment();
      env.keySet().retainAll(List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ"));
      env.putAll(spec.environment());
      pb.redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      long before = Files.exists(log) ? Files.size(log) : 0;
      Process p = pb.start();
      boolean done = p.waitFor(settings.releaseCommandTimeout().toMillis(), TimeUnit.MILLISECONDS);
      if (!done) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        return new StepResult(
            settings.server(),
            false,
            false,
            "the release command did not finish within "
                + settings.releaseCommandTimeout().toMinutes()
                + " min: "
                + command,
            tail(log, before),
            null);
      }
      if (p.exitValue() != 0) {
        return new StepResult(
            settings.server(),
            false,
            false,
            "the release command failed (exit code " + p.exitValue() + "): " + command,
            tail(log, before),
            null);
      }
      return new StepResult(settings.server(), true, false, null, List.of(), null);
    } catch (IOException e) {
      return StepResult.failed(
          settings.server(), "cannot run the release command: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return StepResult.failed(settings.server(), "the release command was interrupted");
    }
  }

  /** The last lines this run wrote. */
  private static List<String> tail(Path log, long from) throws IOException {
    byte[] all = Files.readAllBytes(log);
    String text =
        new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from));
    List<String> lines = new ArrayList<>(text.lines().toList());
    return lines.subList(Math.max(0, lines.size() - 20), lines.size());
  }
}
