package dev.tako.supervisor;

import java.time.Instant;
import java.util.Objects;

/**
 * An instance process a previous node process left running (see {@link RunFile}), which the {@link
 * AppSupervisor} of its app takes over with {@link AppSupervisor.Restore} instead of starting a new
 * one: its instance id, pid, port and start time (the uptime continues).
 */
public record Adoptable(String id, long pid, int port, Instant startedAt) {
  public Adoptable {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(startedAt, "startedAt");
  }
}
