package dev.tako.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReleaseIdsTest {
  private static final String SHA = "a".repeat(64);
  private static final List<String> START = List.of("node", "server.js");
  private static final Map<String, String> VARS = Map.of("A", "1", "B", "2");
  private static final List<String> ROUTES = List.of("hello.example.com");

  private static String id() {
    return ReleaseIds.compute(SHA, START, VARS, "/", ROUTES);
  }

  @Test
  void isRPlusTenHexDigitsAndDeterministic() {
    assertTrue(id().matches("r[0-9a-f]{10}"), id());
    assertEquals(id(), id());
  }

  @Test
  void ignoresTheOrderOfVars() {
    Map<String, String> reversed = new LinkedHashMap<>();
    reversed.put("B", "2");
    reversed.put("A", "1");
    assertEquals(id(), ReleaseIds.compute(SHA, START, reversed, "/", ROUTES));
  }

  @Test
  void changesWithEveryField() {
    String base = id();
    assertNotEquals(base, ReleaseIds.compute("b".repeat(64), START, VARS, "/", ROUTES));
    assertNotEquals(base, ReleaseIds.compute(SHA, List.of("node", "app.js"), VARS, "/", ROUTES));
    assertNotEquals(base, ReleaseIds.compute(SHA, START, Map.of("A", "1", "B", "3"), "/", ROUTES));
    assertNotEquals(base, ReleaseIds.compute(SHA, START, Map.of("A", "1"), "/", ROUTES));
    assertNotEquals(base, ReleaseIds.compute(SHA, START, VARS, "/healthz", ROUTES));
    assertNotEquals(base, ReleaseIds.compute(SHA, START, VARS, "/", List.of("other.example.com")));
  }

  @Test
  void separatorsAreUnambiguous() {
    assertNotEquals(
        ReleaseIds.compute(SHA, List.of("a b"), Map.of(), "/", ROUTES),
        ReleaseIds.compute(SHA, List.of("a", "b"), Map.of(), "/", ROUTES));
    assertNotEquals(
        ReleaseIds.compute(SHA, START, Map.of("A", "1=B"), "/", ROUTES),
        ReleaseIds.compute(SHA, START, Map.of("A=1", "B"), "/", ROUTES));
    // A start element must not be able to pass for a route.
    assertNotEquals(
        ReleaseIds.compute(SHA, List.of("x", "y"), Map.of(), "/", List.of()),
        ReleaseIds.compute(SHA, List.of("x"), Map.of(), "/", List.of("y")));
  }

  @Test
  void aChangeOfTheTlsSettingsAloneChangesTheId() {
    String off = id();
    String dir = "https://acme.example/dir";
    String acme = ReleaseIds.compute(SHA, START, VARS, "/", ROUTES, "acme", "ops@a.test", dir);
    assertEquals(off, ReleaseIds.compute(SHA, START, VARS, "/", ROUTES, "off", null, null));
    assertEquals(off, ReleaseIds.compute(SHA, START, VARS, "/", ROUTES, null, null, null));
    assertNotEquals(off, acme);
    assertNotEquals(
        off, ReleaseIds.compute(SHA, START, VARS, "/", ROUTES, "self-signed", null, null));
    assertNotEquals(
        acme, ReleaseIds.compute(SHA, START, VARS, "/", ROUTES, "self-signed", null, null));
    assertNotEquals(
        acme, ReleaseIds.compute(SHA, START, VARS, "/", ROUTES, "acme", "ops@b.test", dir));
    assertNotEquals(acme, ReleaseIds.compute(SHA, START, VARS, "/", ROUTES, "acme", null, dir));
    assertNotEquals(
        ReleaseIds.compute(SHA, START, VARS, "/", ROUTES, "acme", "", dir),
        ReleaseIds.compute(SHA, START, VARS, "/", ROUTES, "acme", null, dir));
    assertNotEquals(
        acme, ReleaseIds.compute(SHA, START, VARS, "/", ROUTES, "acme", "ops@a.test", dir + "2"));
    assertEquals(
        acme, ReleaseIds.compute(SHA, START, VARS, "/", ROUTES, "acme", "ops@a.test", dir));
    // The ACME settings are not in effect (and do not count) without tls = "acme".
    assertEquals(
        ReleaseIds.compute(SHA, START, VARS, "/", ROUTES, "self-signed", null, null),
        ReleaseIds.compute(SHA, START, VARS, "/", ROUTES, "self-signed", "ops@a.test", dir));
  }
}
