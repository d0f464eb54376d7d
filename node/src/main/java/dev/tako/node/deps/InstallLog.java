package dev.tako.node.deps;

import dev.tako.supervisor.LogFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Copies one stream of an install process into the app's logs as the instance {@code install}
 * ({@code <app>-install.out.log} or {@code .err.log}, lines in {@link LogFormat}) so {@code tako
 * logs} shows them, keeping the last lines for the error of a failed install. Runs on its own
 * thread until the stream ends; a log that cannot be written only loses the log, not the lines.
 */
final class InstallLog implements Runnable {
  static final int TAIL_LINES = 20;

  private final InputStream in;
  private final Path file;
  private final ArrayDeque<String> tail = new ArrayDeque<>();

  InstallLog(InputStream in, Path logsDir, String app, String kind) {
    this.in = in;
    this.file = logsDir.resolve(app + "-install." + kind + ".log");
  }

  static Thread start(InstallLog log) {
    Thread t = new Thread(log, "tako-install-log");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Writes a line of tako's own (a warning) to the log. */
  static void note(Path logsDir, String app, String line) {
    try (OutputStream out = open(logsDir.resolve(app + "-install.out.log"))) {
      out.write(stamped(line));
    } catch (IOException e) {
      // Only the log line is lost.
    }
  }

  @Override
  public void run() {
    OutputStream out = null;
    try {
      out = open(file);
    } catch (IOException e) {
      // Keep reading: the process must not block on a full pipe, and the tail still matters.
    }
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        keep(line);
        if (out != null) {
          try {
            out.write(stamped(line));
            out.flush();
          } catch (IOException e) {
            out = null;
          }
        }
      }
    } catch (IOException e) {
      // The process ended or was killed: what was read is logged.
    } finally {
      if (out != null) {
        try {
          out.close();
        } catch (IOException e) {
          // nothing more to write
        }
      }
    }
  }

  synchronized List<String> tail() {
    return List.copyOf(tail);
  }

  private synchronized void keep(String line) {
    if (line.isBlank()) {
      return;
    }
    tail.addLast(line);
    if (tail.size() > TAIL_LINES) {
      tail.removeFirst();
    }
  }

  private static OutputStream open(Path file) throws IOException {
    return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private static byte[] stamped(String line) {
    return (LogFormat.time(System.currentTimeMillis()) + "\t" + line + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }
}
