package dev.tako.node.dev;

import dev.tako.supervisor.LogFormat;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Follows the app's log files in one directory (the supervisor writes each instance's stdout and
 * stderr to {@code <app>-<id>.out.log} and {@code .err.log}, lines stamped as in {@link LogFormat})
 * and hands every new complete line to a sink, in time order within each read. Polls every {@link
 * #POLL_MILLIS} on its own daemon thread; files that existed when it started are followed from
 * their end. A file that shrank (rotated) is read again from its start. Unreadable files are
 * skipped until they can be read.
 */
final class LogTail implements AutoCloseable {
  static final long POLL_MILLIS = 100;
  private static final int MAX_READ = 1 << 20;

  /** One line of the app: {@code stderr} tells the stream. */
  record Line(long epochMillis, boolean stderr, String text) {}

  private final Path dir;
  private final Consumer<Line> sink;
  private final Map<Path, Long> offsets = new HashMap<>();
  private final Thread thread;
  private volatile boolean closed;

  LogTail(Path dir, Consumer<Line> sink) {
    this.dir = dir;
    this.sink = sink;
    for (Path file : files()) {
      try {
        offsets.put(file, Files.size(file));
      } catch (IOException e) {
        // read from the start once readable
      }
    }
    this.thread = new Thread(this::loop, "tako-dev-logs");
    thread.setDaemon(true);
  }

  LogTail start() {
    thread.start();
    return this;
  }

  private void loop() {
    while (!closed) {
      poll();
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Reads what is new in every file and passes it on; also called once more at close. */
  synchronized void poll() {
    List<Line> lines = new ArrayList<>();
    for (Path file : files()) {
      read(file, file.getFileName().toString().endsWith(".err.log"), lines);
    }
    lines.sort(Comparator.comparingLong(Line::epochMillis));
    lines.forEach(sink);
  }

  private List<Path> files() {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.{out,err}.log")) {
      s.forEach(out::add);
    } catch (IOException e) {
      // the directory is being recreated: next time
    }
    return out;
  }

  private void read(Path file, boolean stderr, List<Line> into) {
    long offset = offsets.getOrDefault(file, 0L);
    try {
      if (Files.size(file) == offset) {
        return; // the usual case, without opening the file
      }
    } catch (IOException e) {
      return;
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long length = raf.length();
      if (length < offset) {
        offset = 0; // rotated: the new file starts over
      }
      if (length == offset) {
        offsets.put(file, offset);
        return;
      }
      byte[] bytes = new byte[(int) Math.min(MAX_READ, length - offset)];
      raf.seek(offset);
      raf.readFully(bytes);
      int end = bytes.length;
      while (end > 0 && bytes[end - 1] != '\n') {
        end--;
      }
      if (end == 0) {
        return; // no complete line yet
      }
      String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
      for (String stored : text.split("\n")) {
        LogFormat.Line line = LogFormat.parse(stored);
        into.add(
            line == null
                ? new Line(System.currentTimeMillis(), stderr, stored)
                : new Line(line.epochMillis(), stderr, line.text()));
      }
      offsets.put(file, offset + end);
    } catch (IOException e) {
      // gone or unreadable: try again next time
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    poll();
  }
}
