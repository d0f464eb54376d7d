package dev.tako.proxy;

import java.util.List;

/**
 * What one app contributes to the route table: its routes as written in tako.toml (SPEC §3) and the
 * addresses of its instances that may take traffic now. An empty upstream list is legal: the routes
 * stay claimed and the proxy answers 503, or, for an app scaled to zero ({@code cold}), starts one
 * and lets the request wait for it.
 */
public record AppRoutes(
    List<String> routes, List<Upstream> upstreams, boolean cold, long wakeFailures) {
  public AppRoutes {
    routes = List.copyOf(routes);
    upstreams = List.copyOf(upstreams);
  }

  /** A warm app (not scaled to zero). */
  public AppRoutes(List<String> routes, List<Upstream> upstreams) {
    this(routes, upstreams, false, 0);
  }
}
