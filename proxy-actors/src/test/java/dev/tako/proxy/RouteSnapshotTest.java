package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RouteSnapshotTest {
  private static final Upstream A = new Upstream("127.0.0.1", 4001);
  private static final Upstream B = new Upstream("127.0.0.1", 4002);

  private static RouteSnapshot snapshot() {
    return RouteSnapshot.of(
        Map.of(
            "hello", new AppRoutes(List.of("hello.example.com"), List.of(A)),
            "wild", new AppRoutes(List.of("*.hello.example.com"), List.of(A)),
            "site", new AppRoutes(List.of("example.com"), List.of(A)),
            "api", new AppRoutes(List.of("example.com/api/*"), List.of(B)),
            "v2", new AppRoutes(List.of("example.com/api/v2/*"), List.of(B)),
            "deep", new AppRoutes(List.of("*.b.hello.example.com"), List.of(B)),
            "empty", new AppRoutes(List.of("empty.example.com"), List.of())));
  }

  private static String app(String host, String path) {
    return snapshot().match(host, path).map(Target::appKey).orElse("-");
  }

  @Test
  void exactHost() {
    assertEquals("hello", app("hello.example.com", "/"));
    assertEquals("hello", app("HELLO.Example.com", "/x"));
    assertEquals("hello", app("hello.example.com.", "/"));
  }

  @Test
  void portInHostIsIgnored() {
    assertEquals("hello", app("hello.example.com:8080", "/"));
  }

  @Test
  void wildcardNeedsOneOrMoreLabelsButNotTheBareHost() {
    assertEquals("wild", app("a.hello.example.com", "/"));
    assertEquals("wild", app("x.y.hello.example.com", "/"));
    assertEquals("hello", app("hello.example.com", "/"));
    assertEquals("-", app("xhello.example.com", "/"));
  }

  @Test
  void longerWildcardSuffixWins() {
    assertEquals("deep", app("a.b.hello.example.com", "/"));
    assertEquals("wild", app("b.hello.example.com", "/"));
  }

  @Test
  void pathPrefixLongestWinsAndFallsBackToHostRoute() {
    assertEquals("api", app("example.com", "/api"));
    assertEquals("api", app("example.com", "/api/users"));
    assertEquals("v2", app("example.com", "/api/v2/users"));
    assertEquals("site", app("example.com", "/apix"));
    assertEquals("site", app("example.com", "/"));
  }

  @Test
  void exactHostBeatsWildcardEvenWithAPathPrefix() {
    RouteSnapshot s =
        RouteSnapshot.of(
            Map.of(
                "w", new AppRoutes(List.of("*.example.com"), List.of(A)),
                "e", new AppRoutes(List.of("a.example.com/app/*"), List.of(B))));
    assertEquals("e", s.match("a.example.com", "/app/x").orElseThrow().appKey());
    assertEquals("w", s.match("a.example.com", "/other").orElseThrow().appKey());
  }

  @Test
  void unknownHostIsEmpty() {
    assertEquals(Optional.empty(), snapshot().match("other.org", "/"));
    assertEquals(Optional.empty(), snapshot().match("", "/"));
    assertEquals(Optional.empty(), snapshot().match(null, "/"));
    assertEquals(Optional.empty(), RouteSnapshot.EMPTY.match("hello.example.com", "/"));
  }

  @Test
  void appWithoutUpstreamsStillClaimsItsRoute() {
    Target target = snapshot().match("empty.example.com", "/").orElseThrow();
    assertTrue(target.isEmpty());
    assertThrows(IllegalStateException.class, target::next);
  }

  @Test
  void roundRobin() {
    RouteSnapshot s =
        RouteSnapshot.of(Map.of("rr", new AppRoutes(List.of("rr.test"), List.of(A, B))));
    Target target = s.match("rr.test", "/").orElseThrow();
    assertEquals(
        List.of(A, B, A, B), List.of(target.next(), target.next(), target.next(), target.next()));
    assertEquals(B, target.after(A).orElseThrow());
    assertEquals(A, target.after(B).orElseThrow());
    Target single = snapshot().match("hello.example.com", "/").orElseThrow();
    assertEquals(Optional.empty(), single.after(A));
  }

  @Test
  void invalidRouteNamesAppAndRoute() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RouteSnapshot.of(Map.of("bad", new AppRoutes(List.of("a..b"), List.of(A)))));
    assertTrue(e.getMessage().contains("bad") && e.getMessage().contains("a..b"), e.getMessage());
  }

  @Test
  void leastLoadedPrefersTheUpstreamWithFewestInFlightAndRoundRobinsTies() {
    Upstream a = new Upstream("127.0.0.1", 1001);
    Upstream b = new Upstream("127.0.0.1", 1002);
    Target t = new Target("app", List.of(a, b));
    InFlightCounts counts = new InFlightCounts();
    java.util.Set<Upstream> seen = new java.util.HashSet<>();
    seen.add(t.leastLoaded(counts));
    seen.add(t.leastLoaded(counts));
    org.junit.jupiter.api.Assertions.assertEquals(java.util.Set.of(a, b), seen, "ties alternate");
    counts.started(a, System.nanoTime());
    for (int i = 0; i < 4; i++) {
      org.junit.jupiter.api.Assertions.assertEquals(b, t.leastLoaded(counts));
    }
  }
}
