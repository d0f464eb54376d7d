package dev.tako.proxy;

import java.nio.ByteBuffer;

/**
 * A growable byte array for one outgoing message head, reused from message to message by its
 * connection so that the hot path allocates nothing here. Not thread-safe.
 */
final class HeadWriter {
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] COLON = {':', ' '};

  private byte[] bytes;
  private int count;
  private ByteBuffer buffer;

  HeadWriter(int capacity) {
    bytes = new byte[capacity];
    buffer = ByteBuffer.wrap(bytes);
  }

  HeadWriter reset() {
    count = 0;
    return this;
  }

  HeadWriter append(byte[] src, int from, int to) {
    int len = to - from;
    ensure(len);
    System.arraycopy(src, from, bytes, count, len);
    count += len;
    return this;
  }

  HeadWriter append(byte[] src) {
    return append(src, 0, src.length);
  }

  /** Appends a string known to be ASCII/Latin-1 (header names and values the proxy builds). */
  HeadWriter ascii(String s) {
    int len = s.length();
    ensure(len);
    for (int i = 0; i < len; i++) {
      bytes[count++] = (byte) s.charAt(i);
    }
    return this;
  }

  HeadWriter crlf() {
    return append(CRLF);
  }

  HeadWriter header(byte[] name, String value) {
    return append(name).append(COLON).ascii(value).crlf();
  }

  /**
   * This writer becomes {@code head} (a complete head ending in an empty line) with one more header
   * line before its end, then {@code body}'s bytes (a kept request body, may be null).
   */
  HeadWriter copyWith(HeadWriter head, byte[] name, String value, BodyCopy body) {
    reset().append(head.bytes, 0, head.count - 2).header(name, value).crlf();
    if (body != null && body.size() > 0) {
      append(body.bytes(), 0, body.size());
    }
    return this;
  }

  /** The bytes written so far, ready to be written to a channel (same buffer object each time). */
  ByteBuffer buffer() {
    buffer.limit(count).position(0);
    return buffer;
  }

  int size() {
    return count;
  }

  private void ensure(int more) {
    if (count + more > bytes.length) {
      byte[] grown = new byte[Math.max(bytes.length * 2, count + more)];
      System.arraycopy(bytes, 0, grown, 0, count);
      bytes = grown;
      buffer = ByteBuffer.wrap(bytes);
    }
  }
}
