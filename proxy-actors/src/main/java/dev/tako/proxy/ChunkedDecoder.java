package dev.tako.proxy;

import static dev.tako.proxy.Ascii.fieldByte;
import static dev.tako.proxy.Ascii.ows;
import static dev.tako.proxy.Ascii.tchar;

/**
 * Follows chunked framing (RFC 9112 §7.1) byte by byte, to the letter: hex sizes checked for
 * overflow, extensions by their grammar ({@code ;name[=token|quoted-string]}, BWS around), CRLF and
 * nothing else after each line and each chunk's data, trailer fields as field lines (a token name,
 * a colon, no control byte; no framing or routing field, so no request line passes as one). A size
 * line or trailer line may hold {@link #MAX_LINE} bytes, the trailer section {@link #MAX_TRAILERS}.
 * The caller takes the data bytes itself ({@link #data}, {@link #consumed}) and hands the rest to
 * {@link #framing}: {@link BodyFramer} to measure, {@link GzipEncoder} to decode. One instance per
 * body at a time; not thread-safe.
 *
 * <p>Fails by returning {@link #MALFORMED} from {@link #framing}; the body cannot be followed
 * further and the connection is closed.
 */
final class ChunkedDecoder {
  static final int MALFORMED = -1;
  static final int MAX_LINE = 8 * 1024;
  static final int MAX_TRAILERS = 32 * 1024;

  private static final int SIZE_FIRST = 0;
  private static final int SIZE = 1;
  private static final int EXT_BWS = 2; // after the size or a value, before ';'
  private static final int EXT_NAME_START = 3;
  private static final int EXT_NAME = 4;
  private static final int EXT_AFTER_NAME = 5;
  private static final int EXT_VALUE_START = 6;
  private static final int EXT_TOKEN = 7;
  private static final int EXT_QUOTED = 8;
  private static final int EXT_QUOTED_PAIR = 9;
  private static final int EXT_AFTER_QUOTED = 10;
  private static final int SIZE_LF = 11;
  private static final int DATA = 12;
  private static final int DATA_CR = 13;
  private static final int DATA_LF = 14;
  private static final int TRAILER_START = 15;
  private static final int TRAILER_NAME = 16;
  private static final int TRAILER_VALUE = 17;
  private static final int TRAILER_LF = 18;
  private static final int END_LF = 19;
  private static final int DONE = 20;

  /** Longest framing or routing field name ("transfer-encoding"). */
  private static final int NAME_CAPTURE = 17;

  private final byte[] name = new byte[NAME_CAPTURE];
  private int nameLength;
  private int state;
  private long size;
  private int line;
  private int trailers;

  /** Starts a new body. */
  void reset() {
    state = SIZE_FIRST;
    size = 0;
    line = 0;
    trailers = 0;
  }

  /** The last chunk and the trailer section have been read. */
  boolean done() {
    return state == DONE;
  }

  /** Data bytes of the current chunk still to come: take them, then call {@link #consumed}. */
  long data() {
    return state == DATA ? size : 0;
  }

  /** {@code n} data bytes (at most {@link #data}) were taken. */
  void consumed(long n) {
    size -= n;
    if (size == 0 && state == DATA) {
      state = DATA_CR;
    }
  }

  /**
   * Reads framing bytes from {@code buf[from, to)} up to the next data byte or the end of the body.
   *
   * @return how many bytes were framing (at least one unless at data, done or {@code from == to}),
   *     or {@link #MALFORMED}
   */
  int framing(byte[] buf, int from, int to) {
    int i = from;
    while (i < to && state != DATA && state != DONE) {
      byte b = buf[i++];
      if (b != '\r' && b != '\n' && ++line > MAX_LINE) {
        return MALFORMED;
      }
      int next = step(b);
      if (next < 0) {
        return MALFORMED;
      }
      // Trailer lines with their CRLF count; the section's final CRLF does not.
      boolean trailer = state >= TRAILER_START && state <= TRAILER_LF && next != END_LF;
      if (trailer && ++trailers > MAX_TRAILERS) {
        return MALFORMED;
      }
      state = next;
    }
    return i - from;
  }

  private int step(byte b) {
    switch (state) {
      case SIZE_FIRST, SIZE -> {
        int digit = Character.digit(b, 16);
        if (digit >= 0) {
          if (size > (Long.MAX_VALUE >>> 4)) {
            return MALFORMED;
          }
          size = size * 16 + digit;
          return SIZE;
        }
        if (state == SIZE_FIRST) {
          return MALFORMED;
        }
        return b == ';' ? EXT_NAME_START : ows(b) ? EXT_BWS : b == '\r' ? SIZE_LF : MALFORMED;
      }
      case EXT_BWS -> {
        return ows(b) ? EXT_BWS : b == ';' ? EXT_NAME_START : MALFORMED;
      }
      case EXT_NAME_START -> {
        return ows(b) ? EXT_NAME_START : tchar(b) ? EXT_NAME : MALFORMED;
      }
      case EXT_NAME -> {
        if (tchar(b)) {
          return EXT_NAME;
        }
        return afterItem(b, EXT_AFTER_NAME, true);
      }
      case EXT_AFTER_NAME -> {
        return ows(b)
            ? EXT_AFTER_NAME
            : b == ';' ? EXT_NAME_START : b == '=' ? EXT_VALUE_START : MALFORMED;
      }
      case EXT_VALUE_START -> {
        return ows(b) ? EXT_VALUE_START : tchar(b) ? EXT_TOKEN : b == '"' ? EXT_QUOTED : MALFORMED;
      }
      case EXT_TOKEN -> {
        return tchar(b) ? EXT_TOKEN : afterItem(b, EXT_BWS, false);
      }
      case EXT_QUOTED -> {
        if (b == '"') {
          return EXT_AFTER_QUOTED;
        }
        if (b == '\\') {
          return EXT_QUOTED_PAIR;
        }
        return fieldByte(b) ? EXT_QUOTED : MALFORMED;
      }
      case EXT_QUOTED_PAIR -> {
        return fieldByte(b) ? EXT_QUOTED : MALFORMED;
      }
      case EXT_AFTER_QUOTED -> {
        return afterItem(b, EXT_BWS, false);
      }
      case SIZE_LF -> {
        if (b != '\n') {
          return MALFORMED;
        }
        line = 0;
        return size == 0 ? TRAILER_START : DATA;
      }
      case DATA_CR -> {
        return b == '\r' ? DATA_LF : MALFORMED;
      }
      case DATA_LF -> {
        if (b != '\n') {
          return MALFORMED;
        }
        line = 0;
        return SIZE_FIRST;
      }
      case TRAILER_START -> {
        if (b == '\r') {
          return END_LF;
        }
        if (!tchar(b)) {
          return MALFORMED;
        }
        nameLength = 0;
        capture(b);
        return TRAILER_NAME;
      }
      case TRAILER_NAME -> {
        if (tchar(b)) {
          capture(b);
          return TRAILER_NAME;
        }
        if (b != ':') {
          return MALFORMED;
        }
        boolean forbidden =
            nameLength <= NAME_CAPTURE
                && HeaderKinds.framingOrRouting(HeaderKinds.classify(name, 0, nameLength));
        return forbidden ? MALFORMED : TRAILER_VALUE;
      }
      case TRAILER_VALUE -> {
        return fieldByte(b) ? TRAILER_VALUE : b == '\r' ? TRAILER_LF : MALFORMED;
      }
      case TRAILER_LF -> {
        if (b != '\n') {
          return MALFORMED;
        }
        line = 0;
        return TRAILER_START;
      }
      case END_LF -> {
        return b == '\n' ? DONE : MALFORMED;
      }
      default -> {
        return MALFORMED;
      }
    }
  }

  /** After an extension's name, token or quoted value: BWS, ';', '=' (after a name) or CR. */
  private int afterItem(byte b, int whitespace, boolean valueMayFollow) {
    if (ows(b)) {
      return whitespace;
    }
    if (b == ';') {
      return EXT_NAME_START;
    }
    if (b == '=' && valueMayFollow) {
      return EXT_VALUE_START;
    }
    return b == '\r' ? SIZE_LF : MALFORMED;
  }

  /** Captures a name byte, '_' as '-': "Content_Length" is no trailer either (CGI-style apps). */
  private void capture(byte b) {
    if (nameLength < NAME_CAPTURE) {
      name[nameLength] = b == '_' ? (byte) '-' : b;
    }
    nameLength++;
  }
}
