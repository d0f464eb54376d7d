package dev.tako.proxy;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The request id policy of the proxy (SPEC §9), kept apart so it can be tested alone: the {@code
 * X-Request-ID} the proxy passes to the app and back to the visitor. Pure functions; nothing fails
 * (a malformed client {@code X-Request-ID} is replaced, not rejected). Which headers cross the
 * proxy is {@link HttpHead}'s rewrite.
 */
final class ForwardedHeaders {
  static final String REQUEST_ID = "X-Request-ID";

  private static final int MAX_REQUEST_ID = 200;

  private ForwardedHeaders() {}

  /** The client's X-Request-ID (null without one) when safe, else a random UUID. */
  static String requestId(String clientValue) {
    return clientValue != null && isSafeId(clientValue) ? clientValue : newRequestId();
  }

  static String newRequestId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    // A version 4 UUID without SecureRandom's lock on the hot path: a trace id, not a secret.
    long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }

  /** 1–200 visible ASCII characters: safe to write into a header line as is. */
  static boolean isSafeId(String id) {
    if (id.isEmpty() || id.length() > MAX_REQUEST_ID) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
