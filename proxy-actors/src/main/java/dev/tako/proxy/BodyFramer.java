package dev.tako.proxy;

/**
 * Finds where an HTTP/1.1 message body ends in a byte stream without changing a byte: the proxy
 * forwards a body's bytes as they came (chunked framing included, validated by {@link
 * ChunkedDecoder}) under the framing header it wrote itself, and only needs to know how many of the
 * bytes it holds still belong to the current message. One instance per direction of a connection,
 * reset per message; not thread-safe.
 *
 * <p>Fails by returning {@link #MALFORMED} from {@link #advance} on broken chunked framing; the
 * caller then closes the connection.
 */
final class BodyFramer {
  /** Returned by {@link #advance} when chunked framing is broken. */
  static final int MALFORMED = ChunkedDecoder.MALFORMED;

  private enum Mode {
    NONE,
    LENGTH,
    CHUNKED,
    UNTIL_CLOSE
  }

  private final ChunkedDecoder decoder = new ChunkedDecoder();
  private Mode mode = Mode.NONE;
  private long remaining;
  private long total;
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
    decoder.reset();
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
    while (i < to && !decoder.done()) {
      long data = decoder.data();
      if (data > 0) {
        int n = (int) Math.min(data, to - i);
        decoder.consumed(n);
        i += n;
      } else {
        int n = decoder.framing(buf, i, to);
        if (n < 0) {
          return MALFORMED;
        }
        i += n;
      }
    }
    done = decoder.done();
    return i - from;
  }
}
