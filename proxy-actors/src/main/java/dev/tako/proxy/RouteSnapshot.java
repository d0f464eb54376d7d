package dev.tako.proxy;

import dev.tako.protocol.RoutePattern;
import dev.tako.proxy.channels.ChannelPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;

/**
 * An immutable view of every route on this node: which app answers a Host and path, and where its
 * instances are. Built by the {@link RouteTable}, read by the proxy through {@link RouteSnapshots}.
 *
 * <p>Lookup cost does not grow with the number of apps: exact hosts are one hash lookup, wildcard
 * hosts one lookup per label of the request host (longest suffix first). Within one host, routes
 * are ordered by path prefix, longest first; equal routes of two apps resolve to the smaller app
 * key, so the result is deterministic even with a conflict the node should have refused.
 *
 * <p>Fails only when built: {@link #of} throws {@link IllegalArgumentException} for a route that
 * does not parse. Local only: never serialized.
 */
public final class RouteSnapshot implements NoSerializationVerificationNeeded {
  /** No routes: every request gets 404. */
  public static final RouteSnapshot EMPTY =
      new RouteSnapshot(Map.of(), Map.of(), Map.of(), Map.of());

  private record Entry(RoutePattern pattern, Target target) {}

  private static final Comparator<Entry> ORDER =
      Comparator.comparing((Entry e) -> e.pattern(), RoutePattern.MOST_SPECIFIC_FIRST)
          .thenComparing(e -> e.target().appKey());

  private final Map<String, AppRoutes> apps;
  private final Map<String, List<Entry>> exact;
  private final Map<String, List<Entry>> wildcard;
  private final Map<String, ChannelPolicy> channels;

  private RouteSnapshot(
      Map<String, AppRoutes> apps,
      Map<String, List<Entry>> exact,
      Map<String, List<Entry>> wildcard,
      Map<String, ChannelPolicy> channels) {
    this.apps = apps;
    this.exact = exact;
    this.wildcard = wildcard;
    this.channels = channels;
  }

  /** This snapshot with these channel policies (app key → its {@code [channels]}). */
  public RouteSnapshot withChannels(Map<String, ChannelPolicy> policies) {
    return new RouteSnapshot(apps, exact, wildcard, Map.copyOf(policies));
  }

  /** The {@code [channels]} of an app key ({@link ChannelPolicy#NONE} when it has none). */
  public ChannelPolicy channels(String appKey) {
    return channels.getOrDefault(appKey, ChannelPolicy.NONE);
  }

  /**
   * Builds a snapshot.
   *
   * @param apps app key → its routes and upstreams
   * @throws IllegalArgumentException if a route does not parse (the message names app and route)
   */
  public static RouteSnapshot of(Map<String, AppRoutes> apps) {
    Map<String, List<Entry>> exact = new HashMap<>();
    Map<String, List<Entry>> wildcard = new HashMap<>();
    for (Map.Entry<String, AppRoutes> app : new TreeMap<>(apps).entrySet()) {
      AppRoutes routes = app.getValue();
      Target target =
          new Target(
              app.getKey(),
              routes.upstreams(),
              routes.cold(),
              routes.wakeFailures(),
              routes.secure(),
              routes.publicDir());
      for (String route : routes.routes()) {
        RoutePattern pattern;
        try {
          pattern = RoutePattern.parse(route);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "app " + app.getKey() + ": route \"" + route + "\": " + e.getMessage(), e);
        }
        (pattern.wildcard() ? wildcard : exact)
            .computeIfAbsent(pattern.host(), h -> new ArrayList<>())
            .add(new Entry(pattern, target));
      }
    }
    return new RouteSnapshot(Map.copyOf(apps), freeze(exact), freeze(wildcard), Map.of());
  }

  private static Map<String, List<Entry>> freeze(Map<String, List<Entry>> byHost) {
    Map<String, List<Entry>> frozen = new HashMap<>();
    byHost.forEach(
        (host, entries) -> {
          entries.sort(ORDER);
          frozen.put(host, List.copyOf(entries));
        });
    return Map.copyOf(frozen);
  }

  /** The apps this snapshot was built from. */
  public Map<String, AppRoutes> apps() {
    return apps;
  }

  /**
   * The most specific target for a request.
   *
   * @param hostHeader the Host header as sent (any case, port allowed); null matches nothing
   * @param path the request path, starting with "/"
   */
  public Optional<Target> match(String hostHeader, String path) {
    String host = RoutePattern.normalizeHost(hostHeader);
    if (host.isEmpty()) {
      return Optional.empty();
    }
    Target found = first(exact.get(host), path);
    if (found != null) {
      return Optional.of(found);
    }
    if (wildcard.isEmpty()) {
      return Optional.empty();
    }
    // "*.example.com" matches "a.example.com" and "a.b.example.com", never "example.com" itself:
    // try every proper suffix that starts after a dot, longest (most specific) first.
    for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
      if (dot == 0) {
        continue;
      }
      found = first(wildcard.get(host.substring(dot + 1)), path);
      if (found != null) {
        return Optional.of(found);
      }
    }
    return Optional.empty();
  }

  private static Target first(List<Entry> entries, String path) {
    if (entries == null) {
      return null;
    }
    for (Entry entry : entries) {
      if (entry.pattern().matchesPath(path)) {
        return entry.target();
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "RouteSnapshot" + apps;
  }
}
