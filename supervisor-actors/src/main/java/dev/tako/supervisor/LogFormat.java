package dev.tako.supervisor;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The on-disk format of an instance log line: a fixed-width UTC timestamp with milliseconds, a tab,
 * the line as the app wrote it (without its newline), then {@code \n}. Example: {@code
 * 2026-11-27T10:00:00.123Z<TAB>listening on 20001}. Fixed width keeps the lines of a file sortable
 * as text and lets readers split at the first tab; the app's own tabs stay in the line.
 */
public final class LogFormat {
  /** Bytes of the timestamp prefix including its tab. */
  public static final int PREFIX_BYTES = 25;

  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private LogFormat() {}

  /** {@code 2026-11-27T10:00:00.123Z} for an epoch millisecond. */
  public static String time(long epochMillis) {
    return FORMAT.format(Instant.ofEpochMilli(epochMillis));
  }

  /** The prefix bytes (timestamp and tab) of a line stamped at {@code epochMillis}. */
  static byte[] prefix(long epochMillis) {
    return (time(epochMillis) + "\t").getBytes(StandardCharsets.US_ASCII);
  }

  /** A stored line split into its time and text; null when it does not carry a timestamp. */
  public record Line(long epochMillis, String text) {}

  public static Line parse(String stored) {
    if (stored.length() < PREFIX_BYTES || stored.charAt(PREFIX_BYTES - 1) != '\t') {
      return null;
    }
    try {
      long millis = Instant.parse(stored.substring(0, PREFIX_BYTES - 1)).toEpochMilli();
      return new Line(millis, stored.substring(PREFIX_BYTES));
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** The app's text of a stored line (the line unchanged when it carries no timestamp). */
  public static String text(String stored) {
    Line line = parse(stored);
    return line == null ? stored : line.text();
  }
}
