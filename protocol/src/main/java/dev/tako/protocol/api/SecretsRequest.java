package dev.tako.protocol.api;

import dev.tako.protocol.CborSerializable;
import java.util.List;
import java.util.Map;

/**
 * {@code tako secrets sync}: an environment's secrets, in clear only inside the SSH tunnel, to be
 * stored encrypted by each node and given to the app, whose instances restart with them ({@code
 * restart}; a deploy stores them without a restart, its own new instances get them). {@code digest}
 * identifies the set (an HMAC under the app's secrets key, computed by the CLI): nodes keep it, so
 * a deploy whose secrets did not change does not send them again.
 */
public record SecretsRequest(
    String app,
    String env,
    Map<String, String> secrets,
    List<String> servers,
    String by,
    boolean restart,
    String digest)
    implements CborSerializable {
  public SecretsRequest {
    secrets = Map.copyOf(secrets);
    servers = List.copyOf(servers);
  }

  /** Never print values. */
  @Override
  public String toString() {
    return "SecretsRequest["
        + app
        + "/"
        + env
        + ", "
        + secrets.size()
        + " secret(s), "
        + servers
        + "]";
  }
}
