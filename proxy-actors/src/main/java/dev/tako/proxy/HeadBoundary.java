package dev.tako.proxy;

import static dev.tako.proxy.Ascii.indexOf;

/**
 * Where a message head ends in the bytes read so far, and what a head still arriving already
 * breaks: the request line, a header line or the whole head over its {@link HeadLimits} (414 or 431
 * without waiting for the rest). Empty lines before the start line are skipped (RFC 9112 §2.2);
 * lines end in LF, with or without a CR before it. Pure functions.
 */
final class HeadBoundary {
  private HeadBoundary() {}

  /**
   * Where the head starting at {@code from} ends (index after its blank line), or -1 when {@code
   * buf[from, to)} does not complete it yet. Empty lines before the start line are skipped.
   */
  static int end(byte[] buf, int from, int to) {
    int i = skipEmptyLines(buf, from, to);
    for (; i < to; i++) {
      if (buf[i] == '\n') {
        if (i + 1 < to && buf[i + 1] == '\n') {
          return i + 2;
        }
        if (i + 2 < to && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
          return i + 3;
        }
      }
    }
    return -1;
  }

  /**
   * What a head still incomplete in {@code buf[from, to)} already breaks (a line or the head over
   * its limit), or null while it may still become a valid head.
   */
  static HeadReject incomplete(byte[] buf, int from, int to, HeadLimits limits) {
    int i = skipEmptyLines(buf, from, to);
    int eol = indexOf(buf, i, to, (byte) '\n');
    if (lineLength(buf, i, eol < 0 ? to : eol) > limits.maxRequestLine()) {
      return new HeadReject(414, "request line too long");
    }
    if (to - from > limits.maxHead()) {
      return new HeadReject(431, "head too large");
    }
    while (eol >= 0) {
      i = eol + 1;
      eol = indexOf(buf, i, to, (byte) '\n');
      if (lineLength(buf, i, eol < 0 ? to : eol) > limits.maxHeaderLine()) {
        return new HeadReject(431, "header line too long");
      }
    }
    return null;
  }

  private static int lineLength(byte[] buf, int s, int e) {
    return e > s && buf[e - 1] == '\r' ? e - 1 - s : e - s;
  }

  static int skipEmptyLines(byte[] buf, int i, int to) {
    for (; ; ) {
      if (i < to && buf[i] == '\n') {
        i++;
      } else if (i + 1 < to && buf[i] == '\r' && buf[i + 1] == '\n') {
        i += 2;
      } else {
        return i;
      }
    }
  }
}
