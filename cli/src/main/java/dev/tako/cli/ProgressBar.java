package dev.tako.cli;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-line progress bar on stderr, redrawn a few times a second; only on a TTY and never with
 * {@code --json} or NO_COLOR (SPEC §2), where it prints nothing at all.
 */
public final class ProgressBar implements AutoCloseable {
  private final String label;
  private final long total;
  private final AtomicLong done = new AtomicLong();
  private final boolean enabled;
  private final PrintStream err = System.err;
  private final java.util.concurrent.ScheduledExecutorService ticker;

  public ProgressBar(Output out, String label, long total) {
    this.label = label;
    this.total = Math.max(1, total);
    this.enabled = out.tty() && !out.json() && System.getenv("NO_COLOR") == null;
    this.ticker =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "progress");
              t.setDaemon(true);
              return t;
            });
    if (enabled) {
      ticker.scheduleAtFixedRate(this::draw, 0, 200, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }

  public void add(long bytes) {
    done.addAndGet(bytes);
  }

  private void draw() {
    long d = Math.min(done.get(), total);
    int width = 30;
    int filled = (int) (width * d / total);
    err.print(
        "\r  "
            + label
            + " ["
            + "#".repeat(filled)
            + "-".repeat(width - filled)
            + "] "
            + (100 * d / total)
            + "%  ");
    err.flush();
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    if (enabled) {
      draw();
      err.println();
    }
  }
}
