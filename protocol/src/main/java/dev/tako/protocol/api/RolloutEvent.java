package dev.tako.protocol.api;

import dev.tako.protocol.CborSerializable;

/**
 * One line of a streamed deploy or rollback ({@code application/x-ndjson}): progress events as the
 * rollout goes ({@code event = "progress"}, a server and its phase: uploaded, prepared, starting,
 * healthy, switched, drained, failed, rolled-back), then exactly one {@code event = "result"}
 * carrying the final {@link DeployResult}.
 */
public record RolloutEvent(
    String event, String server, String phase, String detail, DeployResult result)
    implements CborSerializable {

  public static RolloutEvent progress(String server, String phase, String detail) {
    return new RolloutEvent("progress", server, phase, detail, null);
  }

  public static RolloutEvent done(DeployResult result) {
    return new RolloutEvent("result", null, null, null, result);
  }
}
