package dev.tako.protocol.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tako.protocol.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeployRequestTest {
  private static DeployRequest request() {
    return new DeployRequest(
        "hello",
        "production",
        "r1",
        "abc",
        List.of("node", "server.js"),
        "/",
        2,
        "5m",
        "migrate",
        Map.of("A", "1"),
        List.of("hello.test"),
        List.of("a", "b"),
        "rolling",
        "b",
        "acme",
        "ops@example.com",
        "https://ca/dir",
        "me@laptop",
        "2026-01-01T00:00:00Z");
  }

  @Test
  void copiesChangeOnlyTheirField() {
    DeployRequest o = request();
    DeployRequest copy = o.withServers(List.of("c")).withReleaseCommand(null).withCanary(null);
    assertEquals(List.of("c"), copy.servers());
    assertNull(copy.releaseCommand());
    assertNull(copy.canary());
    assertEquals(
        new DeployRequest(
            o.app(),
            o.env(),
            o.release(),
            o.artifactSha256(),
            o.start(),
            o.health(),
            o.instances(),
            o.idleTimeout(),
            null,
            o.vars(),
            o.routes(),
            List.of("c"),
            o.strategy(),
            null,
            o.tls(),
            o.acmeEmail(),
            o.acmeDirectory(),
            o.by(),
            o.created()),
        copy);
  }

  @Test
  void theCopyMethodsAreNotPartOfTheJson() {
    String json = Json.write(request());
    assertFalse(json.contains("withServers"), json);
    assertFalse(json.contains("withCanary"), json);
  }
}
