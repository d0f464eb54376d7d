package dev.tako.protocol.api;

import java.util.List;

/** {@code tako scale N}: the desired instances of an app on the given servers. */
public record ScaleRequest(String app, String env, int instances, List<String> servers) {
  public ScaleRequest {
    servers = List.copyOf(servers);
  }
}
