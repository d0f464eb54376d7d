package dev.tako.cli;

import dev.tako.protocol.Json;
import java.io.PrintStream;

/**
 * The CLI's two channels (SPEC §2): results on stdout (human text, or exactly one JSON object with
 * {@code --json}), progress and diagnostics on stderr. Colour only on a TTY without NO_COLOR.
 */
public final class Output {
  private final boolean json;
  private final PrintStream out;
  private final PrintStream err;
  private final boolean color;

  public Output(boolean json) {
    this.json = json;
    this.out = System.out;
    this.err = System.err;
    this.color = !json && System.console() != null && System.getenv("NO_COLOR") == null;
  }

  public boolean json() {
    return json;
  }

  public boolean tty() {
    return System.console() != null;
  }

  /** A line of the human result (suppressed with --json). */
  public void line(String text) {
    if (!json) {
      out.println(text);
    }
  }

  /** The JSON result, printed once at the end with --json. */
  public void result(Object value) {
    if (json) {
      out.println(Json.write(value));
    }
  }

  /** Progress, always on stderr. */
  public void progress(String text) {
    err.println(text);
    err.flush();
  }

  public String green(String s) {
    return color ? "\u001b[32m" + s + "\u001b[0m" : s;
  }

  public String red(String s) {
    return color ? "\u001b[31m" + s + "\u001b[0m" : s;
  }

  public String bold(String s) {
    return color ? "\u001b[1m" + s + "\u001b[0m" : s;
  }
}
