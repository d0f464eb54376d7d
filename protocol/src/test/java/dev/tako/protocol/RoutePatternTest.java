package dev.tako.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoutePatternTest {
  @Test
  void exactHostMatchesOnlyThatHostAnyCaseAnyPort() {
    RoutePattern r = RoutePattern.parse("Hello.Example.com");
    assertEquals(new RoutePattern("hello.example.com", false, ""), r);
    assertTrue(r.matches("hello.example.com", "/"));
    assertTrue(r.matches("HELLO.example.com:8080", "/x"));
    assertTrue(r.matches("hello.example.com.", "/"));
    assertFalse(r.matches("a.hello.example.com", "/"));
    assertFalse(r.matches("example.com", "/"));
  }

  @Test
  void wildcardMatchesOneOrMoreLabelsButNotTheBareHost() {
    RoutePattern r = RoutePattern.parse("*.hello.example.com");
    assertTrue(r.wildcard());
    assertTrue(r.matches("a.hello.example.com", "/"));
    assertTrue(r.matches("a.b.hello.example.com:443", "/"));
    assertFalse(r.matches("hello.example.com", "/"));
    assertFalse(r.matches("ahello.example.com", "/"));
  }

  @Test
  void pathPrefixMatchesWholeSegmentsOnly() {
    RoutePattern r = RoutePattern.parse("example.com/api/*");
    assertEquals("/api", r.pathPrefix());
    assertTrue(r.matches("example.com", "/api"));
    assertTrue(r.matches("example.com", "/api/x"));
    assertTrue(r.matches("example.com", "/api?q=1"));
    assertFalse(r.matches("example.com", "/apix"));
    assertFalse(r.matches("example.com", "/"));
    assertEquals("example.com/api/*", r.toString());
  }

  @Test
  void mostSpecificFirst() {
    List<RoutePattern> routes =
        new ArrayList<>(
            List.of(
                RoutePattern.parse("*.example.com"),
                RoutePattern.parse("example.com"),
                RoutePattern.parse("example.com/api/*"),
                RoutePattern.parse("example.com/api/v1/*"),
                RoutePattern.parse("*.a.example.com")));
    routes.sort(RoutePattern.MOST_SPECIFIC_FIRST);
    assertEquals(
        List.of(
            "example.com/api/v1/*",
            "example.com/api/*",
            "example.com",
            "*.a.example.com",
            "*.example.com"),
        routes.stream().map(RoutePattern::toString).toList());
  }

  @Test
  void rejectsInvalidRoutesWithAMessage() {
    for (String bad :
        new String[] {
          "",
          " ",
          "foo bar",
          "*example.com",
          "a.*.example.com",
          "example.com/api*",
          "example.com/a*/b/*",
          "-a.example.com",
          "a..b",
          "/api/*",
          "exa_mple.com"
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> RoutePattern.parse(bad), bad);
      assertFalse(e.getMessage().isBlank());
    }
  }
}
