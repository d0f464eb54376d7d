package dev.tako.node.dev;

/**
 * A {@code tako dev} failure to report as the CLI reports its own: {@code error: <message>} on
 * stderr and the CLI's exit code (1 failed, 2 usage), printed by {@link DevMain}.
 */
final class DevException extends RuntimeException {
  static final int FAILED = 1;
  static final int USAGE = 2;

  private final int exitCode;

  private DevException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  /** The user asked for something impossible (a missing tako.toml): exit 2. */
  static DevException usage(String message) {
    return new DevException(USAGE, message);
  }

  /** Something failed on the way (a port in use, an unreadable file): exit 1. */
  static DevException failed(String message) {
    return new DevException(FAILED, message);
  }

  int exitCode() {
    return exitCode;
  }

  /** A message without its leading {@code error: } (config errors come with one). */
  static String stripError(String message) {
    return message.startsWith("error: ") ? message.substring("error: ".length()) : message;
  }
}
