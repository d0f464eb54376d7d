package dev.tako.node.dev;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The terminal of {@code tako dev}: the app's log lines on stdout, prefixed with the app name
 * ({@code hello | …}), and tako's own lines on stderr ({@code tako | …}); colours only on a TTY
 * without {@code NO_COLOR} (the app's prefix cyan on stdout lines and red on stderr lines; tako's
 * lines dim, green for ready and URLs, yellow and red for warnings and errors).
 *
 * <p>On a TTY ({@link System#console()} present) {@link #readKeys} switches the terminal to
 * single-key input without echo ({@code stty -icanon -echo} on {@code /dev/tty}; Ctrl-C still sends
 * SIGINT) and hands each key to a callback; {@link #close} restores the saved settings, also when
 * the JVM exits any other way. Without a TTY there are no keys.
 */
public final class DevConsole implements AutoCloseable {
  private static final String RESET = "\u001b[0m";

  private final PrintStream out;
  private final PrintStream err;
  private final boolean tty;
  private final boolean color;
  private volatile String app;
  private String savedStty;
  private Thread hook;

  public DevConsole(PrintStream out, PrintStream err) {
    this.app = "app";
    this.out = out;
    this.err = err;
    this.tty = System.console() != null;
    this.color = tty && System.getenv("NO_COLOR") == null;
  }

  boolean tty() {
    return tty;
  }

  void app(String name) {
    this.app = name;
  }

  /** One line the app wrote. */
  void appLine(LogTail.Line line) {
    String name = pad(app);
    if (color) {
      out.println(
          (line.stderr() ? "\u001b[31m" : "\u001b[36m") + name + " |" + RESET + " " + line.text());
    } else {
      out.println(name + " | " + line.text());
    }
    out.flush();
  }

  void info(String text) {
    say(text, "\u001b[2m");
  }

  /** A success worth noticing (ready, URLs). */
  void good(String text) {
    say(text, "\u001b[32m");
  }

  void warn(String text) {
    say(text, "\u001b[33m");
  }

  void error(String text) {
    say(text, "\u001b[31m");
  }

  private void say(String text, String style) {
    String prefix = pad("tako") + " | ";
    for (String line : text.split("\n", -1)) {
      err.println(color ? style + prefix + line + RESET : prefix + line);
    }
    err.flush();
  }

  private String pad(String name) {
    int width = Math.max(4, app.length());
    return name.length() >= width ? name : name + " ".repeat(width - name.length());
  }

  /**
   * On a TTY: reads single keys (as their char code) and passes them to {@code keys} on a daemon
   * thread, until the input ends. Does nothing without a TTY.
   */
  void readKeys(IntConsumer keys) {
    if (!tty) {
      return;
    }
    savedStty = stty("-g");
    if (savedStty == null || stty("-icanon", "-echo", "min", "1") == null) {
      return;
    }
    hook = new Thread(this::restore, "tako-dev-tty");
    Runtime.getRuntime().addShutdownHook(hook);
    Thread reader =
        new Thread(
            () -> {
              InputStream in = System.in;
              try {
                int c;
                while ((c = in.read()) >= 0) {
                  keys.accept(c);
                }
              } catch (IOException e) {
                // no more keys
              }
            },
            "tako-dev-keys");
    reader.setDaemon(true);
    reader.start();
  }

  private synchronized void restore() {
    if (savedStty != null) {
      stty(savedStty);
      savedStty = null;
    }
  }

  /** Runs {@code stty} on the controlling terminal; its output, or null when it failed. */
  private static String stty(String... args) {
    try {
      ProcessBuilder pb =
          new ProcessBuilder(
              java.util.stream.Stream.concat(
                      java.util.stream.Stream.of("stty"), List.of(args).stream())
                  .toList());
      pb.redirectInput(new File("/dev/tty"));
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
      Process p = pb.start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return null;
      }
      return text;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  @Override
  public void close() {
    restore();
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down: the hook restores
      }
    }
  }
}
