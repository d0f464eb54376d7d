package dev.tako.node.logs;

import dev.tako.supervisor.LogFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads an app/env's instance logs on this node (the files {@code <app>-<instance>.out.log} and
 * {@code .err.log} with their rotated {@code .1}, lines in {@link LogFormat}): the newest lines at
 * or after a time, at most a limit, merged in time order. Files are read backwards from their end
 * and a file is left as soon as its lines are older than wanted, so a reader asking for the last
 * second of logs reads a few kilobytes however big the files are. Files not written since the time
 * are not opened. Blocking I/O: call it on the blocking dispatcher. A missing directory or file
 * yields no lines; lines without a timestamp are skipped.
 */
public final class LogReader {
  /** The most lines one read returns. */
  public static final int MAX_LIMIT = 10_000;

  static final int CHUNK = 64 * 1024;
  static final int MAX_LINE_BYTES = 1024 * 1024;

  /** One line: its time, the instance and stream ({@code stdout}/{@code stderr}), the text. */
  public record Entry(long epochMillis, String instance, String stream, String text) {}

  private LogReader() {}

  public static List<Entry> read(Path logsDir, String app, long sinceMillis, int limit)
      throws IOException {
    int max = Math.max(0, Math.min(limit, MAX_LIMIT));
    if (max == 0 || !Files.isDirectory(logsDir)) {
      return List.of();
    }
    Pattern name =
        Pattern.compile(Pattern.quote(app) + "-([A-Za-z0-9_]+)\\.(out|err)\\.log(\\.1)?");
    TreeSet<String> streams = new TreeSet<>(); // "<instance> <out|err>"
    try (Stream<Path> files = Files.list(logsDir)) {
      files.forEach(
          f -> {
            Matcher m = name.matcher(f.getFileName().toString());
            if (m.matches()) {
              streams.add(m.group(1) + " " + m.group(2));
            }
          });
    }
    List<Entry> all = new ArrayList<>();
    for (String s : streams) {
      String instance = s.substring(0, s.indexOf(' '));
      String kind = s.substring(s.indexOf(' ') + 1);
      Path current = logsDir.resolve(app + "-" + instance + "." + kind + ".log");
      Path rotated = current.resolveSibling(current.getFileName() + ".1");
      String stream = kind.equals("out") ? "stdout" : "stderr";
      List<Entry> newestFirst = new ArrayList<>();
      for (Path file : List.of(current, rotated)) {
        if (!Files.isRegularFile(file)) {
          continue;
        }
        if (Files.getLastModifiedTime(file).toMillis() < sinceMillis) {
          break; // nothing new enough here, and the rotated file is older still
        }
        boolean[] olderSeen = {false};
        readBackward(
            file,
            stored -> {
              LogFormat.Line line = LogFormat.parse(stored);
              if (line == null) {
                return true;
              }
              if (line.epochMillis() < sinceMillis) {
                olderSeen[0] = true;
                return false;
              }
              newestFirst.add(new Entry(line.epochMillis(), instance, stream, line.text()));
              return newestFirst.size() < max;
            });
        if (olderSeen[0] || newestFirst.size() >= max) {
          break;
        }
      }
      Collections.reverse(newestFirst);
      all.addAll(newestFirst);
    }
    all.sort(Comparator.comparingLong(Entry::epochMillis)); // stable: a stream keeps its order
    return List.copyOf(all.subList(Math.max(0, all.size() - max), all.size()));
  }

  /**
   * Hands the complete lines of a file to {@code visitor}, last line first, until it returns false.
   * A last line without its newline (being written right now) is left for the next read.
   */
  static void readBackward(Path file, Predicate<String> visitor) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long pos = ch.size();
      byte[] carry = null; // the start of a line whose end was in a later chunk
      boolean last = true;
      while (pos > 0) {
        int n = (int) Math.min(CHUNK, pos);
        int carried = carry == null ? 0 : carry.length;
        byte[] buf = new byte[n + carried];
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
        long at = pos - n;
        while (bb.hasRemaining()) {
          int r = ch.read(bb, at + bb.position());
          if (r < 0) {
            return;
          }
        }
        if (carried > 0) {
          System.arraycopy(carry, 0, buf, n, carried);
        }
        pos = at;
        int end = buf.length;
        if (last) {
          // Drop the unterminated tail: lines end with '\n'.
          int nl = lastNewline(buf, buf.length - 1);
          if (nl < 0) {
            carry = null;
            if (pos == 0) {
              return;
            }
            continue;
          }
          end = nl;
          last = false;
        }
        for (int i = end - 1; i >= 0; i--) {
          if (buf[i] == '\n') {
            if (!visitor.test(new String(buf, i + 1, end - i - 1, StandardCharsets.UTF_8))) {
              return;
            }
            end = i;
          }
        }
        if (pos == 0) {
          visitor.test(new String(buf, 0, end, StandardCharsets.UTF_8));
          return;
        }
        carry = end <= MAX_LINE_BYTES ? java.util.Arrays.copyOf(buf, end) : null;
      }
    }
  }

  private static int lastNewline(byte[] buf, int from) {
    for (int i = from; i >= 0; i--) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
