package dev.tako.protocol;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The duration syntax of SPEC §3: a whole number with {@code ms}, {@code s}, {@code m} or {@code h}
 * ({@code 500ms}, {@code 3s}, {@code 5m}, {@code 1h}). Parsing fails with an {@link
 * IllegalArgumentException} whose message states the accepted form, so callers can show it as is.
 */
public final class Durations {
  /** The accepted form, for error messages. */
  public static final String ACCEPTED = "a number with ms, s, m or h: 500ms, 3s, 5m, 1h";

  private static final Pattern FORM = Pattern.compile("(\\d{1,18})(ms|s|m|h)");

  private Durations() {}

  /**
   * Parses "500ms", "3s", "5m" or "1h" (surrounding blanks ignored).
   *
   * @throws IllegalArgumentException naming the text and the accepted form
   */
  public static Duration parse(String text) {
    Matcher m = text == null ? null : FORM.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException(
          (text == null ? "no value" : "\"" + text + "\"")
              + " is not a duration ("
              + ACCEPTED
              + ")");
    }
    long amount = Long.parseLong(m.group(1));
    try {
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "\"" + text + "\" is too long a duration (" + ACCEPTED + ")");
    }
  }

  /**
   * The shortest text {@link #parse} reads back to the same value, in the largest unit that divides
   * it exactly ("90s" stays "90s", "120s" becomes "2m"). Sub-millisecond parts are dropped because
   * the syntax cannot express them.
   *
   * @throws IllegalArgumentException for a negative duration
   */
  public static String format(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("a duration cannot be negative: " + duration);
    }
    long ms = duration.toMillis();
    if (ms == 0) {
      return "0s";
    }
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
