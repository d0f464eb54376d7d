package dev.tako.persistence;

/**
 * An artifact could not be used: missing, corrupt or unsafe. The message is meant for the user and
 * says what to do next.
 */
public final class ArtifactException extends Exception {

  public ArtifactException(String message) {
    super(message);
  }

  public ArtifactException(String message, Throwable cause) {
    super(message, cause);
  }
}
