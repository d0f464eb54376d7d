package dev.tako.node;

import dev.tako.protocol.CborSerializable;

/**
 * One environment of one app on a node: what the ledger, the supervisors, the leases and the
 * proxy's route table are keyed by. Its {@link #key()} ({@code "app/env"}) is the string form the
 * proxy uses; {@link #parse} reads it back and fails on anything else.
 */
public record AppEnv(String app, String env) implements CborSerializable {

  /** The {@code "app/env"} form of the proxy and the user's messages. */
  public String key() {
    return app + "/" + env;
  }

  /**
   * @throws IllegalArgumentException when {@code key} is not {@code "app/env"}
   */
  public static AppEnv parse(String key) {
    int slash = key.indexOf('/');
    if (slash <= 0 || slash == key.length() - 1 || key.indexOf('/', slash + 1) >= 0) {
      throw new IllegalArgumentException("not an app/env key: " + key);
    }
    return new AppEnv(key.substring(0, slash), key.substring(slash + 1));
  }

  @Override
  public String toString() {
    return key();
  }
}
