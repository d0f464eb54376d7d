package dev.tako.protocol.api;

import java.util.List;

/**
 * The answer to {@code tako delete}: one entry per server of the environment.
 *
 * @param ok every server that could be reached removed the app
 * @param servers result per server: {@code deleted}, {@code not-deployed} (nothing of it was
 *     there), {@code unreachable} (left as it is; it removes the app when it is back) or {@code
 *     failed} with the error
 * @param unreachable the servers that could not be reached, also listed in {@code servers}
 */
public record DeleteResult(
    boolean ok, List<DeployResult.ServerResult> servers, List<String> unreachable) {
  public DeleteResult {
    servers = List.copyOf(servers);
    unreachable = List.copyOf(unreachable);
  }
}
