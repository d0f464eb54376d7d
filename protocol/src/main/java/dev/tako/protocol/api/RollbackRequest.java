package dev.tako.protocol.api;

import dev.tako.protocol.CborSerializable;
import java.util.List;

/**
 * {@code tako releases rollback}: roll the environment's servers back to {@code release}, or to the
 * release before the current one when it is null, with the same zero-downtime switch as a deploy.
 */
public record RollbackRequest(
    String app, String env, String release, List<String> servers, String by)
    implements CborSerializable {
  public RollbackRequest {
    servers = List.copyOf(servers);
  }
}
