package dev.tako.protocol.api;

import java.util.List;

/**
 * {@code tako delete}: remove an app's environment from the given servers.
 *
 * @param purgeData also remove {@code TAKO_DATA_DIR}, which is kept otherwise
 */
public record DeleteRequest(String app, String env, List<String> servers, boolean purgeData) {
  public DeleteRequest {
    servers = List.copyOf(servers);
  }
}
