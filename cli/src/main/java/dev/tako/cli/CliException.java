package dev.tako.cli;

/**
 * An expected failure with the exit code of SPEC §2: 1 the operation ran and failed, 2 usage or
 * configuration, 3 no node reachable. Its message is printed after {@code error: } (unless it
 * already starts with it); the stack trace only with {@code --verbose}.
 */
public final class CliException extends RuntimeException {
  public static final int FAILED = 1;
  public static final int USAGE = 2;
  public static final int UNREACHABLE = 3;

  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }

  public static CliException usage(String message) {
    return new CliException(USAGE, message);
  }

  public static CliException failed(String message) {
    return new CliException(FAILED, message);
  }
}
