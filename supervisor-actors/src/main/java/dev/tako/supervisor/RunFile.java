package dev.tako.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tako.protocol.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * What a running instance leaves beside its pid file, {@code run/<id>.json}, so that a node started
 * later (after an upgrade handover or a crash) can {@link Instance#adopt adopt} the process instead
 * of stopping it: which app, environment and release it runs, its pid, port and start time. Written
 * atomically (a temporary file renamed over it) at launch, deleted when the instance ends.
 */
public record RunFile(
    String app, String env, String release, long pid, int port, Instant startedAt) {

  public RunFile {
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(env, "env");
    Objects.requireNonNull(release, "release");
    Objects.requireNonNull(startedAt, "startedAt");
  }

  /** The process as an {@link Adoptable} of instance {@code id}. */
  public Adoptable adoptable(String id) {
    return new Adoptable(id, pid, port, startedAt);
  }

  public void write(Path file) throws IOException {
    ObjectNode json = Json.lenient().createObjectNode();
    json.put("app", app);
    json.put("env", env);
    json.put("release", release);
    json.put("pid", pid);
    json.put("port", port);
    json.put("started_at", startedAt.toString());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, Json.write(json) + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Reads a run file; an unreadable or incomplete one is an {@link IOException}. */
  public static RunFile read(Path file) throws IOException {
    JsonNode json = Json.lenient().readTree(Files.readString(file, StandardCharsets.UTF_8));
    try {
      return new RunFile(
          text(json, "app"),
          text(json, "env"),
          text(json, "release"),
          number(json, "pid"),
          (int) number(json, "port"),
          Instant.parse(text(json, "started_at")));
    } catch (DateTimeParseException | NullPointerException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode json, String field) throws IOException {
    JsonNode v = json == null ? null : json.get(field);
    if (v == null || !v.isTextual()) {
      throw new IOException("no " + field);
    }
    return v.asText();
  }

  private static long number(JsonNode json, String field) throws IOException {
    JsonNode v = json == null ? null : json.get(field);
    if (v == null || !v.canConvertToLong()) {
      throw new IOException("no " + field);
    }
    return v.asLong();
  }
}
