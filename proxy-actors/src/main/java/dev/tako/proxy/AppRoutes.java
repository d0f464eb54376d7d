package dev.tako.proxy;

import java.nio.file.Path;
import java.util.List;

/**
 * What one app contributes to the route table: its routes as written in tako.toml (SPEC §3) and the
 * addresses of its instances that may take traffic now. An empty upstream list is legal: the routes
 * stay claimed and the proxy answers 503, or, for an app scaled to zero ({@code cold}), starts one
 * and lets the request wait for it.
 *
 * <p>{@code secure}: the app's environment has TLS on (tls = "self-signed" or "acme"): plain HTTP
 * requests for it are redirected to HTTPS. {@code publicDir}: the current release's {@code public/}
 * directory, whose files the proxy serves itself; null when the release has none.
 */
public record AppRoutes(
    List<String> routes,
    List<Upstream> upstreams,
    boolean cold,
    long wakeFailures,
    boolean secure,
    Path publicDir) {
  public AppRoutes {
    routes = List.copyOf(routes);
    upstreams = List.copyOf(upstreams);
  }

  /** Plain HTTP, no static files. */
  public AppRoutes(List<String> routes, List<Upstream> upstreams, boolean cold, long wakeFailures) {
    this(routes, upstreams, cold, wakeFailures, false, null);
  }

  /** A warm app (not scaled to zero). */
  public AppRoutes(List<String> routes, List<Upstream> upstreams) {
    this(routes, upstreams, false, 0);
  }
}
