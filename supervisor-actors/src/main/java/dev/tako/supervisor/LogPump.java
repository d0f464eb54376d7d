package dev.tako.supervisor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Drains one output pipe of a process into a {@link RotatingLogFile}, on its own daemon thread:
 * reads as fast as the app writes, stamps each line with the time it was read, and writes it. It
 * waits on nothing but the pipe and the local file (no actor, lock or network), and a failing disk
 * only drops lines, so the app's pipe never fills up and a flood of output never blocks the app.
 * Lines longer than {@link #MAX_LINE} bytes are split. The file is flushed whenever the pipe is
 * momentarily empty, so readers see a quiet app's lines at once. The thread ends when the pipe
 * closes (the process and every descendant holding it are gone).
 */
public final class LogPump implements Runnable {
  /** A log file's size limit before it rotates (one rotated file is kept). */
  public static final long MAX_BYTES = 10L * 1024 * 1024;

  static final int MAX_LINE = 64 * 1024;

  private final InputStream in;
  private final RotatingLogFile file;
  private final Thread thread;

  private LogPump(InputStream in, RotatingLogFile file, String name) {
    this.in = in;
    this.file = file;
    this.thread = new Thread(this, name);
    thread.setDaemon(true);
  }

  /** Starts draining {@code in} into {@code file} (rotating at {@code maxBytes}). */
  public static LogPump start(InputStream in, Path file, long maxBytes, String threadName) {
    LogPump pump = new LogPump(in, new RotatingLogFile(file, maxBytes), threadName);
    pump.thread.start();
    return pump;
  }

  /** Waits up to {@code timeout} for the pipe to close and the last line to be written. */
  public boolean await(Duration timeout) {
    try {
      thread.join(Math.max(1, timeout.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !thread.isAlive();
  }

  @Override
  public void run() {
    byte[] buf = new byte[64 * 1024];
    byte[] line = new byte[MAX_LINE];
    int lineLength = 0;
    try {
      int n;
      while ((n = in.read(buf)) > 0) {
        long now = System.currentTimeMillis();
        int start = 0;
        for (int i = 0; i < n; i++) {
          if (buf[i] != '\n') {
            continue;
          }
          // A whole line within the buffer is written from it; a line begun earlier is completed.
          if (lineLength == 0) {
            int end = i > start && buf[i - 1] == '\r' ? i - 1 : i;
            file.append(now, buf, start, end - start);
          } else {
            lineLength = copy(buf, start, i - start, line, lineLength, now);
            int end = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
            file.append(now, line, 0, end);
            lineLength = 0;
          }
          start = i + 1;
        }
        if (start < n) {
          lineLength = copy(buf, start, n - start, line, lineLength, now);
        }
        if (in.available() == 0) {
          file.flush();
        }
      }
    } catch (IOException | RuntimeException e) {
      // The pipe broke or closed: the process is gone. Keep what was read.
    } finally {
      if (lineLength > 0) {
        file.append(System.currentTimeMillis(), line, 0, lineLength);
      }
      file.close();
      try {
        in.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  /** Appends to the pending line, writing it out in {@link #MAX_LINE} pieces when it overflows. */
  private int copy(byte[] src, int offset, int length, byte[] line, int lineLength, long now) {
    while (length > 0) {
      int room = MAX_LINE - lineLength;
      if (room == 0) {
        file.append(now, line, 0, lineLength);
        lineLength = 0;
        room = MAX_LINE;
      }
      int k = Math.min(room, length);
      System.arraycopy(src, offset, line, lineLength, k);
      lineLength += k;
      offset += k;
      length -= k;
    }
    return lineLength;
  }
}
