package dev.tako.supervisor;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Drains one output stream of a process into a {@link RotatingLogFile}, on its own daemon thread:
 * reads as fast as the app writes, stamps each line with the time it was read, and writes it. It
 * waits on nothing but the stream and the local file (no actor, lock or network), and a failing
 * disk only drops lines, so the app's output never fills up and a flood of output never blocks the
 * app. Lines longer than {@link #MAX_LINE} bytes are split. The file is flushed whenever the stream
 * is momentarily empty, so readers see a quiet app's lines at once.
 *
 * <p>An instance's output goes through a FIFO ({@link #fromFifo}) that both the app and the node
 * hold open read-write: it outlives the node process (the app never gets EPIPE when no node reads,
 * its writes only block once the pipe's buffer is full), so a node started later can {@link
 * Instance#adopt adopt} the app and pump the same FIFO again. Such a FIFO never reaches its end
 * (the node holds a write end itself): once the process is gone, {@link #stop} sets a flag and
 * writes a wake-up newline through the node's own handle; the pump ends at the first moment the
 * FIFO is empty after the flag was set (everything the app wrote came before that newline), without
 * logging the empty line the wake-up may make, and completing an unterminated last line. A pump of
 * a plain stream ({@link #start}) ends at the stream's end.
 */
public final class LogPump implements Runnable {
  /** A log file's size limit before it rotates (one rotated file is kept). */
  public static final long MAX_BYTES = 10L * 1024 * 1024;

  static final int MAX_LINE = 64 * 1024;

  private final InputStream in;
  private final OutputStream wake; // the node's own write end of a FIFO, null for a plain stream
  private final RotatingLogFile file;
  private final Thread thread;
  private volatile boolean stopping;

  private LogPump(InputStream in, OutputStream wake, RotatingLogFile file, String name) {
    this.in = in;
    this.wake = wake;
    this.file = file;
    this.thread = new Thread(this, name);
    thread.setDaemon(true);
  }

  /** Starts draining {@code in} into {@code file} (rotating at {@code maxBytes}) until its end. */
  public static LogPump start(InputStream in, Path file, long maxBytes, String threadName) {
    LogPump pump = new LogPump(in, null, new RotatingLogFile(file, maxBytes), threadName);
    pump.thread.start();
    return pump;
  }

  /**
   * Opens {@code fifo} read-write (never blocks, whether or not a writer has it open) and starts
   * draining it into {@code file} until {@link #stop}. A {@link RandomAccessFile} rather than a
   * {@code FileChannel}: the stream over its descriptor answers {@link InputStream#available()}
   * with the FIFO's unread bytes (FIONREAD), where a channel's stream would try to seek.
   */
  public static LogPump fromFifo(Path fifo, Path file, long maxBytes, String threadName)
      throws IOException {
    RandomAccessFile handle = new RandomAccessFile(fifo.toFile(), "rw");
    LogPump pump =
        new LogPump(
            new FileInputStream(handle.getFD()),
            new FileOutputStream(handle.getFD()),
            new RotatingLogFile(file, maxBytes),
            threadName);
    pump.thread.start();
    return pump;
  }

  /**
   * The process is gone: end once everything it wrote is in the file (see the class comment). A
   * plain stream's pump ends at its end anyway.
   */
  public void stop() {
    stopping = true;
    if (wake != null && thread.isAlive()) {
      try {
        wake.write('\n');
      } catch (IOException e) {
        // the pump closed the FIFO already
      }
    }
  }

  /** Waits up to {@code timeout} for the pump to end and the last line to be written. */
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
        boolean last = stopping && in.available() == 0;
        int start = 0;
        for (int i = 0; i < n; i++) {
          if (buf[i] != '\n') {
            continue;
          }
          if (last && i == n - 1 && start == i && lineLength == 0 && wake != null) {
            start = n; // the wake-up newline of stop(), no line of the app's
            break;
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
          if (stopping) {
            break;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // The stream broke or closed: the process is gone. Keep what was read.
    } finally {
      if (lineLength > 0) {
        file.append(System.currentTimeMillis(), line, 0, lineLength);
      }
      file.close();
      try {
        in.close(); // a FIFO's only descriptor of this node: its write end goes with it
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
