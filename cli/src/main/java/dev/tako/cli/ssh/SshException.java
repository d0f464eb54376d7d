package dev.tako.cli.ssh;

/**
 * A failure to reach, trust, authenticate to or work with a server over SSH. The message is meant
 * for the user as is: it starts with {@code error:}, says what went wrong and what to do next.
 */
public class SshException extends Exception {
  private static final long serialVersionUID = 1L;

  public SshException(String message) {
    super(message);
  }

  public SshException(String message, Throwable cause) {
    super(message, cause);
  }
}
