package dev.tako.proxy.channels;

public final class ChannelUnavailableException extends RuntimeException {
  private final int retryAfterSeconds;

  public ChannelUnavailableException(String message, int retryAfterSeconds) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
