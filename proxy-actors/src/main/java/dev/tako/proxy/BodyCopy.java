package dev.tako.proxy;

import dev.tako.proxy.failover.FailoverRules;

/**
 * The request body bytes (as framed on the wire) that went to the app, kept up to {@link
 * FailoverRules#REPLAY_BODY_LIMIT} so the same request can go to a peer after all (a re-send after
 * a failed instance, or the app's {@code Tako-Replay}). One per connection, reused; grows on
 * demand.
 */
final class BodyCopy {
  private byte[] bytes = new byte[0];
  private int size;
  private boolean overflow;

  void reset() {
    size = 0;
    overflow = false;
  }

  void add(byte[] src, int from, int len) {
    if (overflow || len <= 0) {
      return;
    }
    if ((long) size + len > FailoverRules.REPLAY_BODY_LIMIT) {
      overflow = true;
      return;
    }
    if (size + len > bytes.length) {
      bytes =
          java.util.Arrays.copyOf(
              bytes,
              (int)
                  Math.min(
                      FailoverRules.REPLAY_BODY_LIMIT,
                      Math.max(size + len, 2L * bytes.length + 4096)));
    }
    System.arraycopy(src, from, bytes, size, len);
    size += len;
  }

  /** More than the limit went by: the body cannot be sent again. */
  boolean overflow() {
    return overflow;
  }

  byte[] bytes() {
    return bytes;
  }

  int size() {
    return size;
  }
}
