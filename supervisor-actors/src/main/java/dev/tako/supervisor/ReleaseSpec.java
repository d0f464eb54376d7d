package dev.tako.supervisor;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to run for one release of one app/env on this node. Local only (holds paths). {@code
 * environment} already holds the vars, secrets and {@code TAKO_*} variables except {@code PORT},
 * {@code HOST} and {@code TAKO_INSTANCE}, which each {@link Instance} adds. Invalid specs (no
 * command, null parts) fail at construction.
 */
public record ReleaseSpec(
    String app,
    String env,
    String release,
    Path releaseDir,
    List<String> command,
    Map<String, String> environment,
    String healthPath,
    Path logsDir,
    Path runDir) {

  public ReleaseSpec {
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(env, "env");
    Objects.requireNonNull(release, "release");
    Objects.requireNonNull(releaseDir, "releaseDir");
    Objects.requireNonNull(logsDir, "logsDir");
    Objects.requireNonNull(runDir, "runDir");
    command = List.copyOf(command);
    if (command.isEmpty() || command.get(0).isBlank()) {
      throw new IllegalArgumentException("release " + release + " has no command to run");
    }
    environment = Map.copyOf(environment);
    if (healthPath == null || healthPath.isBlank()) {
      healthPath = "/";
    } else if (!healthPath.startsWith("/")) {
      healthPath = "/" + healthPath;
    }
  }
}
