package dev.tako.proxy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A second, deliberately plain reading of the same rules as {@link HeadParser} and {@link
 * ChunkedDecoder} for the differential fuzz test: strings, regular expressions of the RFC 9112
 * grammar and one rule per statement, no state machine and no offsets shared with the proxy's code.
 * Slow and allocating, which is fine in a test.
 */
final class ReferenceHttp1 {
  static final int MAX_REQUEST_LINE = 8192;
  static final int MAX_HEADER_LINE = 8192;
  static final int MAX_HEAD = 32768;
  static final int MAX_CHUNK_LINE = 8192;
  static final int MAX_TRAILERS = 32768;

  private static final String TCHAR = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]";
  private static final String TOKEN = TCHAR + "+";
  private static final Pattern REQUEST_LINE =
      Pattern.compile("([A-Z_-]+) ([\\x21-\\x7E\\x80-\\xFF]+) (.*)", Pattern.DOTALL);
  private static final Pattern VERSION = Pattern.compile("HTTP/[0-9]\\.[0-9]");
  private static final Pattern FIELD = Pattern.compile("(" + TOKEN + "):(.*)", Pattern.DOTALL);
  private static final Pattern FIELD_VALUE = Pattern.compile("[\\t\\x20-\\x7E\\x80-\\xFF]*");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9\\-._~!$&'()*+,;=:\\[\\]%]*");
  private static final Pattern ABSOLUTE =
      Pattern.compile("(?i:https?)://([^/?#]*)(.*)", Pattern.DOTALL);
  private static final String QUOTED =
      "\"(?:[\\t \\x21\\x23-\\x5B\\x5D-\\x7E\\x80-\\xFF]|\\\\[\\t \\x21-\\x7E\\x80-\\xFF])*\"";
  private static final Pattern SIZE_LINE =
      Pattern.compile(
          "([0-9A-Fa-f]+)((?:[ \\t]*;[ \\t]*"
              + TOKEN
              + "(?:[ \\t]*=[ \\t]*(?:"
              + TOKEN
              + "|"
              + QUOTED
              + "))?)*)\\r\\n");
  private static final Pattern TRAILER =
      Pattern.compile("(" + TOKEN + "):([\\t\\x20-\\x7E\\x80-\\xFF]*)\\r\\n");
  private static final Pattern TRAILER_NAME = Pattern.compile("(" + TOKEN + "):");
  private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding", "host");
  private static final BigInteger MAX_SIZE = BigInteger.valueOf(Long.MAX_VALUE);

  /** How a request was read: status 0 when accepted. */
  record Request(
      int status, int headEnd, String requestLine, String host, long length, boolean chunked) {}

  /** Where a body ends: {@link #NEED_MORE}, {@link #MALFORMED} or the index after it. */
  static final int NEED_MORE = -1;

  static final int MALFORMED = -2;

  private ReferenceHttp1() {}

  static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  /** Null while the head is incomplete and still within its limits. */
  static Request request(String in) {
    int start = 0;
    while (true) {
      if (in.startsWith("\r\n", start)) {
        start += 2;
      } else if (in.startsWith("\n", start)) {
        start += 1;
      } else {
        break;
      }
    }
    int a = in.indexOf("\n\n", start);
    int b = in.indexOf("\n\r\n", start);
    int end = a < 0 ? (b < 0 ? -1 : b + 3) : (b < 0 || a < b ? a + 2 : b + 3);
    if (end < 0) {
      return incomplete(in, start);
    }
    String[] lines = in.substring(start, end).split("\n", -1);
    List<String> list = new ArrayList<>();
    for (String line : lines) {
      list.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
    }
    if (list.get(0).length() > MAX_REQUEST_LINE) {
      return refused(414, end);
    }
    if (end > MAX_HEAD) {
      return refused(431, end);
    }
    Matcher rl = REQUEST_LINE.matcher(list.get(0));
    if (!rl.matches()) {
      return refused(400, end);
    }
    String method = rl.group(1);
    String target = rl.group(2);
    String version = rl.group(3);
    if (!VERSION.matcher(version).matches()) {
      return refused(400, end);
    }
    if (!version.equals("HTTP/1.0") && !version.equals("HTTP/1.1")) {
      return refused(505, end);
    }
    String authority = null;
    if (target.equals("*")) {
      if (!method.equals("OPTIONS")) {
        return refused(400, end);
      }
    } else if (!target.startsWith("/")) {
      Matcher abs = ABSOLUTE.matcher(target);
      if (!abs.matches() || abs.group(1).isEmpty() || !HOST.matcher(abs.group(1)).matches()) {
        return refused(400, end);
      }
      authority = abs.group(1);
    }
    String host = null;
    String length = null;
    String coding = null;
    // lines: request line, fields, "" (the blank line), "" (after its LF)
    for (String line : list.subList(1, list.size() - 2)) {
      if (line.length() > MAX_HEADER_LINE) {
        return refused(431, end);
      }
      if (line.startsWith(" ") || line.startsWith("\t")) {
        return refused(400, end);
      }
      Matcher f = FIELD.matcher(line);
      if (!f.matches() || !FIELD_VALUE.matcher(f.group(2)).matches()) {
        return refused(400, end);
      }
      String name = f.group(1).toLowerCase(Locale.ROOT);
      String value = f.group(2).replaceAll("^[ \\t]+|[ \\t]+$", "");
      switch (name) {
        case "host" -> {
          if (host != null || !HOST.matcher(value).matches()) {
            return refused(400, end);
          }
          host = value;
        }
        case "content-length" -> {
          if (length != null || !value.matches("[0-9]{1,18}")) {
            return refused(400, end);
          }
          length = value;
        }
        case "transfer-encoding" -> {
          if (coding != null) {
            return refused(400, end);
          }
          if (!value.equalsIgnoreCase("chunked")) {
            return refused(501, end);
          }
          coding = value;
        }
        default -> {}
      }
    }
    boolean http10 = version.equals("HTTP/1.0");
    if (coding != null && (http10 || length != null)) {
      return refused(400, end);
    }
    if (authority != null) {
      if (host == null) {
        host = authority;
      } else if (!host.equalsIgnoreCase(authority)) {
        return refused(400, end);
      }
    }
    if (host == null && !http10) {
      return refused(400, end);
    }
    long n = length == null ? -1 : Long.parseLong(length);
    return new Request(0, end, list.get(0), host, n, coding != null);
  }

  private static Request refused(int status, int end) {
    return new Request(status, end, null, null, -1, false);
  }

  private static Request incomplete(String in, int start) {
    String[] lines = in.substring(start).split("\n", -1);
    if (stripCr(lines[0]).length() > MAX_REQUEST_LINE) {
      return refused(414, -1);
    }
    if (in.length() > MAX_HEAD) {
      return refused(431, -1);
    }
    for (int i = 1; i < lines.length; i++) {
      if (stripCr(lines[i]).length() > MAX_HEADER_LINE) {
        return refused(431, -1);
      }
    }
    return null;
  }

  private static String stripCr(String line) {
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }

  /** Where a chunked body starting at {@code pos} ends, or NEED_MORE / MALFORMED. */
  static int chunkedEnd(String in, int pos) {
    while (true) {
      Matcher m = SIZE_LINE.matcher(in).region(pos, in.length());
      if (!m.lookingAt()) {
        if (!m.hitEnd()) {
          return MALFORMED;
        }
        String tail = in.substring(pos);
        Matcher digits = Pattern.compile("[0-9A-Fa-f]+").matcher(tail);
        boolean overflow =
            digits.lookingAt() && new BigInteger(digits.group(), 16).compareTo(MAX_SIZE) > 0;
        return overflow || stripCr(tail).length() > MAX_CHUNK_LINE ? MALFORMED : NEED_MORE;
      }
      if (m.group().length() - 2 > MAX_CHUNK_LINE) {
        return MALFORMED;
      }
      BigInteger size = new BigInteger(m.group(1), 16);
      if (size.compareTo(MAX_SIZE) > 0) {
        return MALFORMED;
      }
      pos = m.end();
      if (size.signum() == 0) {
        return trailers(in, pos);
      }
      long dataEnd = pos + size.longValueExact();
      if (dataEnd > in.length()) {
        return NEED_MORE;
      }
      pos = (int) dataEnd;
      String after = in.substring(pos, Math.min(in.length(), pos + 2));
      if (!"\r\n".startsWith(after)) {
        return MALFORMED;
      }
      if (after.length() < 2) {
        return NEED_MORE;
      }
      pos += 2;
    }
  }

  private static int trailers(String in, int pos) {
    int total = 0;
    while (true) {
      String tail = in.substring(pos);
      if (tail.startsWith("\r\n")) {
        return pos + 2;
      }
      if (tail.isEmpty() || tail.equals("\r")) {
        return NEED_MORE;
      }
      Matcher m = TRAILER.matcher(in).region(pos, in.length());
      if (!m.lookingAt()) {
        if (!m.hitEnd()) {
          return MALFORMED;
        }
        Matcher name = TRAILER_NAME.matcher(tail);
        if (name.lookingAt() && FRAMING.contains(name.group(1).toLowerCase(Locale.ROOT))) {
          return MALFORMED;
        }
        boolean tooLong =
            stripCr(tail).length() > MAX_CHUNK_LINE || total + tail.length() > MAX_TRAILERS;
        return tooLong ? MALFORMED : NEED_MORE;
      }
      if (FRAMING.contains(m.group(1).toLowerCase(Locale.ROOT))) {
        return MALFORMED;
      }
      total += m.group().length();
      if (m.group().length() - 2 > MAX_CHUNK_LINE || total > MAX_TRAILERS) {
        return MALFORMED;
      }
      pos = m.end();
    }
  }
}
