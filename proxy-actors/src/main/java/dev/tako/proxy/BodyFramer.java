package dev.tako.proxy;

/**
 * Finds where an HTTP/1.1 message body ends in a byte stream without changing a byte: the proxy
 * forwards bodies verbatim (chunked framing included) and only needs to know how many of the bytes
 * it holds still belong to the current message. One instance per direction of a connection, reset
 * per message; not thread-safe.
 *
 * <p>Fails by returning {@link #MALFORMED} from {@link #advance} on broken chunked framing; the
 * caller then closes the connection.
 */
final class BodyFramer {
  /** Returned by {@link #advance} when chunked framing is broken. */
  static final int MALFORMED = -1;

  private enum Mode {
    NONE,
    LENGTH,
    CHUNKED,
    UNTIL_CLOSE
  }

  // Chunked decoder states.
  private static final int SIZE = 0;
  private static final int SIZE_EXT = 1;
  private static final int SIZE_LF = 2;
  private static final int DATA = 3;
  private static final int DATA_CR = 4;
  private static final int DATA_LF = 5;
  private static final int TRAILER_START = 6;
  private static final int TRAILER_LINE = 7;
  private static final int END_LF = 8;

  private Mode mode = Mode.NONE;
  private long remaining;
  private long total;
  private int state;
  private long chunkSize;
  private int sizeDigits;
  private boolean done = true;

  /** A message without a body. */
  void none() {
    mode = Mode.NONE;
    done = true;
    total = 0;
  }

  /** A body of exactly {@code length} bytes. */
  void length(long length) {
    mode = Mode.LENGTH;
    remaining = length;
    done = length == 0;
    total = 0;
  }

  /** A chunked body, ending with the last chunk and the trailer section. */
  void chunked() {
    mode = Mode.CHUNKED;
    state = SIZE;
    chunkSize = 0;
    sizeDigits = 0;
    done = false;
    total = 0;
  }

  /** Everything until the peer closes (an HTTP/1.0-style response, or a pipe after 101). */
  void untilClose() {
    mode = Mode.UNTIL_CLOSE;
    done = false;
    total = 0;
  }

  boolean done() {
    return done;
  }

  boolean untilCloseMode() {
    return mode == Mode.UNTIL_CLOSE;
  }

  /** The body ended with the connection (only in until-close mode). */
  void closed() {
    done = true;
  }

  /** Body bytes (framing included) accepted so far for the current message. */
  long total() {
    return total;
  }

  /**
   * Accepts bytes of {@code buf[from, to)} that belong to the current body.
   *
   * @return how many bytes from {@code from} belong to it (the rest is the next message), or {@link
   *     #MALFORMED}
   */
  int advance(byte[] buf, int from, int to) {
    if (done) {
      return 0;
    }
    int n;
    switch (mode) {
      case LENGTH -> {
        n = (int) Math.min(remaining, to - from);
        remaining -= n;
        done = remaining == 0;
      }
      case UNTIL_CLOSE -> n = to - from;
      case CHUNKED -> n = chunked(buf, from, to);
      default -> n = 0;
    }
    if (n > 0) {
      total += n;
    }
    return n;
  }

  private int chunked(byte[] buf, int from, int to) {
    int i = from;
    while (i < to && !done) {
      if (state == DATA) {
        int n = (int) Math.min(chunkSize, to - i);
        i += n;
        chunkSize -= n;
        if (chunkSize == 0) {
          state = DATA_CR;
        }
        continue;
      }
      byte b = buf[i++];
      switch (state) {
        case SIZE -> {
          int digit = Character.digit(b, 16);
          if (digit >= 0) {
            if (++sizeDigits > 15) {
              return MALFORMED;
            }
            chunkSize = chunkSize * 16 + digit;
          } else if (sizeDigits == 0) {
            return MALFORMED;
          } else if (b == ';' || b == ' ' || b == '\t') {
            state = SIZE_EXT;
          } else if (b == '\r') {
            state = SIZE_LF;
          } else if (b == '\n') {
            endOfSizeLine();
          } else {
            return MALFORMED;
          }
        }
        case SIZE_EXT -> {
          if (b == '\n') {
            endOfSizeLine();
          }
        }
        case SIZE_LF -> {
          if (b != '\n') {
            return MALFORMED;
          }
          endOfSizeLine();
        }
        case DATA_CR -> {
          if (b == '\r') {
            state = DATA_LF;
          } else if (b == '\n') {
            nextChunk();
          } else {
            return MALFORMED;
          }
        }
        case DATA_LF -> {
          if (b != '\n') {
            return MALFORMED;
          }
          nextChunk();
        }
        case TRAILER_START -> {
          if (b == '\r') {
            state = END_LF;
          } else if (b == '\n') {
            done = true;
          } else {
            state = TRAILER_LINE;
          }
        }
        case TRAILER_LINE -> {
          if (b == '\n') {
            state = TRAILER_START;
          }
        }
        case END_LF -> {
          if (b != '\n') {
            return MALFORMED;
          }
          done = true;
        }
        default -> {
          return MALFORMED;
        }
      }
    }
    return i - from;
  }

  private void endOfSizeLine() {
    state = chunkSize == 0 ? TRAILER_START : DATA;
  }

  private void nextChunk() {
    state = SIZE;
    chunkSize = 0;
    sizeDigits = 0;
  }
}
