package dev.tako.proxy;

/**
 * When a visitor connection's request head must have arrived ({@code tako.proxy.header-timeout})
 * and its TLS handshake ended ({@code tako.proxy.tls-handshake-timeout}). The first head counts
 * from the accept; each next one on a keep-alive connection from its first byte, so that a quiet
 * keep-alive connection is left to the idle timeout while a head sent a byte at a time is not. A
 * plain policy over the loop's clock (nanoseconds passed in); one per connection, on its loop.
 */
final class HeadDeadline {
  private final long acceptedAt;
  private long headSince;
  private boolean headStarted = true;
  private boolean anyByte;

  HeadDeadline(long acceptedAt) {
    this.acceptedAt = acceptedAt;
    this.headSince = acceptedAt;
  }

  /** Bytes of a request head are waiting at {@code now}: its clock runs from its first byte. */
  void bytes(long now) {
    anyByte = true;
    if (!headStarted) {
      headStarted = true;
      headSince = now;
    }
  }

  /** The head arrived whole (or was answered), or the connection now waits for the next one. */
  void stop() {
    headStarted = false;
  }

  /** A request byte arrived: on TLS, the handshake is surely over. */
  boolean anyByte() {
    return anyByte;
  }

  boolean headExpired(long now, long headerTimeout) {
    return headStarted && now - headSince > headerTimeout;
  }

  boolean handshakeExpired(long now, long handshakeTimeout) {
    return now - acceptedAt > handshakeTimeout;
  }
}
