package dev.tako.supervisor;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * One stream's log file with its single rotated predecessor: lines are appended to {@code file}
 * with a {@link LogFormat} timestamp; when the next line would take it past {@code maxBytes} it is
 * renamed to {@code file.1} (replacing the older one) and a new file is started, so a stream never
 * holds more than about 2 x {@code maxBytes} on disk.
 *
 * <p>Used by one thread only. It never throws: when the disk refuses a write the line is dropped
 * and the file is reopened at most every {@link #RETRY_NANOS}, so the caller keeps draining the
 * app's pipe whatever happens here.
 */
final class RotatingLogFile implements Closeable {
  static final long RETRY_NANOS = 5_000_000_000L;

  private final Path file;
  private final Path rotated;
  private final long maxBytes;
  private OutputStream out;
  private long size;
  private long lastMillis;
  private long prefixMillis = Long.MIN_VALUE;
  private byte[] prefix;
  private long retryAt;
  private long dropped;

  RotatingLogFile(Path file, long maxBytes) {
    this.file = file;
    this.rotated = file.resolveSibling(file.getFileName() + ".1");
    this.maxBytes = maxBytes;
    open();
  }

  static Path rotatedOf(Path file) {
    return file.resolveSibling(file.getFileName() + ".1");
  }

  /** Appends one line (without its newline) stamped at {@code epochMillis}. */
  void append(long epochMillis, byte[] bytes, int offset, int length) {
    // Never backwards within a file, so readers may stop at the first line older than they want.
    long millis = Math.max(epochMillis, lastMillis);
    lastMillis = millis;
    long need = LogFormat.PREFIX_BYTES + length + 1L;
    if (size > 0 && size + need > maxBytes) {
      rotate();
    }
    if (out == null && !reopen()) {
      dropped++;
      return;
    }
    if (millis != prefixMillis) {
      prefix = LogFormat.prefix(millis);
      prefixMillis = millis;
    }
    try {
      out.write(prefix);
      out.write(bytes, offset, length);
      out.write('\n');
      size += need;
    } catch (IOException e) {
      broken();
      dropped++;
    }
  }

  void flush() {
    if (out != null) {
      try {
        out.flush();
      } catch (IOException e) {
        broken();
      }
    }
  }

  /** Lines lost because the file could not be written. */
  long dropped() {
    return dropped;
  }

  @Override
  public void close() {
    flush();
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        // nothing left to save
      }
      out = null;
    }
  }

  private void rotate() {
    close();
    try {
      Files.move(file, rotated, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      // Keep writing to the same file rather than losing lines; the next line tries again.
    }
    open();
  }

  private boolean reopen() {
    if (System.nanoTime() - retryAt < 0) {
      return false;
    }
    return open();
  }

  private boolean open() {
    try {
      Files.createDirectories(file.getParent());
      size = Files.exists(file) ? Files.size(file) : 0;
      out =
          new BufferedOutputStream(
              Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
              64 * 1024);
      return true;
    } catch (IOException | RuntimeException e) {
      broken();
      return false;
    }
  }

  private void broken() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        // already broken
      }
    }
    out = null;
    retryAt = System.nanoTime() + RETRY_NANOS;
  }
}
