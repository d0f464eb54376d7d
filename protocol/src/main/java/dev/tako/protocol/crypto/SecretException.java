package dev.tako.protocol.crypto;

/** A secret could not be read or written; the message says what to do. Never holds a value. */
public final class SecretException extends Exception {
  public SecretException(String message) {
    super(message);
  }
}
