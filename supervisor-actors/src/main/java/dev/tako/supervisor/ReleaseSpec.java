package dev.tako.supervisor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to run for one release of one app/env on this node. Local only (holds paths). {@code
 * environment} already holds the vars, secrets and {@code TAKO_*} variables except {@code PORT},
 * {@code HOST} and {@code TAKO_INSTANCE}, which each {@link Instance} adds. {@code idleTimeout}:
 * with 0 desired instances, an instance without requests for this long is stopped (tako.toml
 * idle_timeout). Invalid specs (no command, null parts) fail at construction.
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
    Path runDir,
    Duration idleTimeout) {

  /** An app scaled to zero stops its instance after this long without requests by default. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);

  /** With the default idle timeout. */
  public ReleaseSpec(
      String app,
      String env,
      String release,
      Path releaseDir,
      List<String> command,
      Map<String, String> environment,
      String healthPath,
      Path logsDir,
      Path runDir) {
    this(
        app,
        env,
        release,
        releaseDir,
        command,
        environment,
        healthPath,
        logsDir,
        runDir,
        DEFAULT_IDLE_TIMEOUT);
  }

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
    if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
      idleTimeout = DEFAULT_IDLE_TIMEOUT;
    }
    if (healthPath == null || healthPath.isBlank()) {
      healthPath = "/";
    } else if (!healthPath.startsWith("/")) {
      healthPath = "/" + healthPath;
    }
  }
}
