package dev.tako.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tako.persistence.NodeLedger;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.config.EnvConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AcmeHostTest {
  static DeployRequest request(
      String app, String tls, String email, String directory, List<String> routes) {
    return new DeployRequest(
        app,
        "production",
        "r0123456789",
        "a".repeat(64),
        List.of("node", "server.js"),
        "/",
        1,
        "5m",
        null,
        Map.of(),
        routes,
        List.of("la"),
        "atomic",
        null,
        tls,
        email,
        directory,
        "ada@laptop",
        "2026-01-01T00:00:00Z");
  }

  @Test
  void everyRouteHostOfAnAcmeEnvironmentWithItsAccount() {
    var hosts =
        AcmeHost.of(
            request(
                "shop",
                "acme",
                "ops@shop.test",
                "https://ca.test/dir",
                List.of("shop.example.com", "*.shop.example.com", "Example.com/api/*")));
    assertEquals(
        List.of(
            new AcmeHost(
                "shop.example.com",
                false,
                "shop/production",
                "https://ca.test/dir",
                "ops@shop.test",
                List.of("la")),
            new AcmeHost(
                "shop.example.com",
                true,
                "shop/production",
                "https://ca.test/dir",
                "ops@shop.test",
                List.of("la")),
            new AcmeHost(
                "example.com",
                false,
                "shop/production",
                "https://ca.test/dir",
                "ops@shop.test",
                List.of("la"))),
        hosts);
  }

  @Test
  void theHostsCarryTheEnvironmentsServersInTheReleasesOrder() {
    DeployRequest r = request("shop", "acme", null, null, List.of("shop.example.com"));
    DeployRequest two =
        new DeployRequest(
            r.app(),
            r.env(),
            r.release(),
            r.artifactSha256(),
            r.start(),
            r.health(),
            r.instances(),
            r.idleTimeout(),
            null,
            r.vars(),
            r.routes(),
            List.of("nyc", "la"),
            r.strategy(),
            null,
            r.tls(),
            r.acmeEmail(),
            r.acmeDirectory(),
            r.by(),
            r.created());
    assertEquals(List.of("nyc", "la"), AcmeHost.of(two).get(0).servers());
  }

  @Test
  void noHostsWithoutAcmeAndTheDefaultDirectoryWhenNoneIsGiven() {
    assertEquals(List.of(), AcmeHost.of(request("a", "off", null, null, List.of("a.example.com"))));
    assertEquals(
        List.of(), AcmeHost.of(request("a", "self-signed", null, null, List.of("a.example.com"))));
    assertEquals(List.of(), AcmeHost.of(request("a", null, null, null, List.of("a.example.com"))));
    assertEquals(
        EnvConfig.DEFAULT_ACME_DIRECTORY,
        AcmeHost.of(request("a", "acme", "o@a.test", null, List.of("a.example.com")))
            .get(0)
            .directory());
  }

  @Test
  void theNodeWantsTheHostsOfCurrentReleasesOnly() {
    DeployRequest old = request("shop", "acme", "o@shop.test", null, List.of("old.example.com"));
    DeployRequest now = request("shop", "acme", "o@shop.test", null, List.of("new.example.com"));
    DeployRequest plain = request("blog", "off", null, null, List.of("blog.example.com"));
    DeployRequest other = request("zshop", "acme", "z@shop.test", null, List.of("new.example.com"));
    NodeLedger.State state =
        new NodeLedger.State(
            Map.of(
                "shop/production",
                new NodeLedger.AppState(
                    "shop",
                    "production",
                    List.of(record("r1", old), record("r2", now)),
                    "r2",
                    null),
                "blog/production",
                new NodeLedger.AppState(
                    "blog", "production", List.of(record("r1", plain)), "r1", null),
                "zshop/production",
                new NodeLedger.AppState(
                    "zshop", "production", List.of(record("r1", other)), "r1", null)));
    List<AcmeHost> wanted = AcmeHost.wantedBy(state);
    assertEquals(1, wanted.size(), wanted::toString);
    assertEquals("new.example.com", wanted.get(0).host());
    assertEquals("o@shop.test", wanted.get(0).email(), "the first app/env decides the account");
  }

  static NodeLedger.ReleaseRecord record(String id, DeployRequest r) {
    return new NodeLedger.ReleaseRecord(id, r, r.created(), r.by());
  }
}
