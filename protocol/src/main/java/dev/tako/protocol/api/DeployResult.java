package dev.tako.protocol.api;

import dev.tako.protocol.CborSerializable;
import java.util.List;

/** The final answer to a deploy or rollback (SPEC §5), servers in the order they were switched. */
public record DeployResult(boolean ok, String release, List<ServerResult> servers)
    implements CborSerializable {
  public DeployResult {
    servers = List.copyOf(servers);
  }

  /**
   * One server's outcome.
   *
   * @param result switched | unchanged | failed | rolled-back | not-switched
   * @param error why it failed, or null
   */
  public record ServerResult(String server, String result, String error)
      implements CborSerializable {}
}
