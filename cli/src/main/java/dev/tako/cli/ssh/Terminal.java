package dev.tako.cli.ssh;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The user's terminal, for a remote command that gets a PTY: its type ({@code TERM}) and size, and
 * raw mode while the remote side owns it (keys go through unprocessed, Ctrl-C included, and the
 * remote PTY echoes), restored afterwards. Uses {@code stty} on {@code /dev/tty}, as the JDK has no
 * terminal API; when that fails the session still works, only with local line editing and echo.
 *
 * @param term the terminal type to announce
 * @param columns its width
 * @param rows its height
 */
public record Terminal(String term, int columns, int rows) {

  private static final File TTY = new File("/dev/tty");

  /** The terminal this process runs in: {@code TERM} (xterm when unset) and its size (80x24). */
  public static Terminal current() {
    String term = System.getenv("TERM");
    int cols = 80;
    int rows = 24;
    String size = stty("size");
    if (size != null) {
      String[] parts = size.trim().split("\\s+");
      try {
        rows = Integer.parseInt(parts[0]);
        cols = Integer.parseInt(parts[1]);
      } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
        // keep the defaults: a wrong size only wraps lines oddly
      }
    }
    return new Terminal(term == null || term.isBlank() ? "xterm" : term, cols, rows);
  }

  /**
   * Puts the terminal in raw mode; the returned handle restores the previous settings (call it in a
   * {@code finally}, it is also run at JVM exit in case the process is killed).
   */
  public static Runnable raw() {
    String saved = stty("-g");
    if (saved == null || stty("raw", "-echo") == null) {
      return () -> {};
    }
    Runnable restore = () -> stty(saved.trim());
    Thread hook = new Thread(restore, "tako-terminal-restore");
    Runtime.getRuntime().addShutdownHook(hook);
    return () -> {
      restore.run();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down: the hook restores
      }
    };
  }

  /**
   * Calls {@code then} with the terminal's new size whenever the window is resized (SIGWINCH) until
   * the returned handle is run; does nothing where the signal cannot be handled.
   */
  public static Runnable onResize(java.util.function.Consumer<Terminal> then) {
    try {
      sun.misc.Signal winch = new sun.misc.Signal("WINCH");
      sun.misc.SignalHandler previous =
          sun.misc.Signal.handle(winch, signal -> then.accept(current()));
      return () -> sun.misc.Signal.handle(winch, previous);
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      return () -> {};
    }
  }

  /** Runs stty on /dev/tty; its output, or null when it failed. */
  private static String stty(String... args) {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "stty";
    System.arraycopy(args, 0, cmd, 1, args.length);
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectInput(ProcessBuilder.Redirect.from(TTY))
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
