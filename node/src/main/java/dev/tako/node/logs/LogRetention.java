package dev.tako.node.logs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Deletes the log files of past instances of an app so its {@code logs/} directory stays bounded.
 * Each instance's stdout and stderr are capped already (two files of 10 MiB each), but every deploy
 * makes new instance ids, so without this the directory would grow by one instance's logs per
 * deploy forever.
 *
 * <p>The files of an instance that still runs (its pid file is in the node's {@code run/}) or that
 * wrote within {@link #RECENT} are always kept. The other instances are kept newest first while the
 * directory stays within {@code tako.logs.max-bytes} (256 MiB) and their last line is younger than
 * {@code tako.logs.max-age} (30 days); the rest are deleted, so {@code tako logs --since} still
 * reaches back over recent releases. Other files (the release command's log) are left alone.
 */
public final class LogRetention {

  /** An instance that wrote this recently may be starting: its pid file may not exist yet. */
  static final Duration RECENT = Duration.ofMinutes(10);

  private LogRetention() {}

  /**
   * Prunes {@code logsDir} of app {@code app}, keeping the files of {@code running} instances (see
   * {@link #running}) and of the others newest first while all stay within {@code maxBytes} and are
   * younger than {@code maxAge}. Returns the instance ids whose files were deleted.
   */
  public static List<String> prune(
      Path logsDir, String app, Set<String> running, Instant now, long maxBytes, Duration maxAge)
      throws IOException {
    if (!Files.isDirectory(logsDir)) {
      return List.of();
    }
    Pattern name =
        Pattern.compile(Pattern.quote(app) + "-([A-Za-z0-9_]+)\\.(out|err)\\.log(\\.1)?");
    Map<String, Group> groups = new HashMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(logsDir)) {
      for (Path file : entries) {
        Matcher m = name.matcher(file.getFileName().toString());
        if (m.matches() && Files.isRegularFile(file)) {
          Group g = groups.computeIfAbsent(m.group(1), Group::new);
          g.files.add(file);
          g.bytes += Files.size(file);
          g.lastWrite = Math.max(g.lastWrite, Files.getLastModifiedTime(file).toMillis());
        }
      }
    }
    long recent = now.minus(RECENT).toEpochMilli();
    long oldest = now.minus(maxAge).toEpochMilli();
    long used = 0;
    List<Group> past = new ArrayList<>();
    for (Group g : groups.values()) {
      if (running.contains(g.instance) || g.lastWrite >= recent) {
        used += g.bytes;
      } else {
        past.add(g);
      }
    }
    past.sort(Comparator.comparingLong((Group g) -> g.lastWrite).reversed());
    List<String> deleted = new ArrayList<>();
    for (Group g : past) {
      if (g.lastWrite >= oldest && used + g.bytes <= maxBytes) {
        used += g.bytes;
        continue;
      }
      for (Path file : g.files) {
        Files.deleteIfExists(file);
      }
      deleted.add(g.instance);
    }
    return deleted;
  }

  /** Instance ids with a pid file in {@code runDir}. */
  public static Set<String> running(Path runDir) throws IOException {
    Set<String> ids = new HashSet<>();
    if (!Files.isDirectory(runDir)) {
      return ids;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(runDir, "*.pid")) {
      for (Path file : entries) {
        String n = file.getFileName().toString();
        ids.add(n.substring(0, n.length() - ".pid".length()));
      }
    }
    return ids;
  }

  private static final class Group {
    final String instance;
    final List<Path> files = new ArrayList<>();
    long bytes;
    long lastWrite;

    Group(String instance) {
      this.instance = instance;
    }
  }
}
