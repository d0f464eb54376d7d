package dev.tako.proxy;

import java.util.List;

/**
 * What one app contributes to the route table: its routes as written in tako.toml (SPEC §3) and the
 * addresses of its instances that may take traffic now. An empty upstream list is legal: the routes
 * stay claimed and the proxy answers 503.
 */
public record AppRoutes(List<String> routes, List<Upstream> upstreams) {
  public AppRoutes {
    routes = List.copyOf(routes);
    upstreams = List.copyOf(upstreams);
  }
}
