package dev.tako.protocol.api;

import dev.tako.protocol.CborSerializable;
import java.util.List;

/**
 * The final answer to a deploy or rollback (SPEC §5), servers in the order they were switched.
 *
 * @param error what stopped the whole deploy before any server was touched (another deploy holds
 *     the lock, no such release), or null
 * @param locked true when another deploy of the same app/env holds the lock ({@code --wait} waits)
 */
public record DeployResult(
    boolean ok, String release, List<ServerResult> servers, String error, boolean locked)
    implements CborSerializable {
  public DeployResult {
    servers = List.copyOf(servers);
  }

  public DeployResult(boolean ok, String release, List<ServerResult> servers) {
    this(ok, release, servers, null, false);
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
