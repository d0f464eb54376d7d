package dev.tako.protocol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryTest {
  @TempDir Path dir;

  @Test
  void missingFileIsAnEmptyInventory() throws Exception {
    assertTrue(Inventory.load(dir.resolve("nope/config.toml")).servers().isEmpty());
  }

  @Test
  void roundTripKeepsOrderAndEveryField() throws Exception {
    Path file = dir.resolve("home/.tako/config.toml");
    Inventory inv =
        Inventory.empty()
            .with(ServerEntry.of("nyc", "198.51.100.7"))
            .with(
                new ServerEntry(
                    "la",
                    "203.0.113.10",
                    2222,
                    "deploy",
                    "west",
                    "/srv/tako",
                    9901,
                    18081,
                    18441,
                    "~/.ssh/id \"ed\"25519"))
            .with(ServerEntry.of("fra", "fra.example.com"));
    inv.save(file);
    String text = Files.readString(file);
    assertTrue(text.contains("[servers.nyc]\nhost = \"198.51.100.7\"\nport = 22\n"), text);
    assertTrue(text.contains("api_port = 9901\nhttp_port = 18081\nhttps_port = 18441\n"), text);
    Inventory back = Inventory.load(file);
    assertEquals(inv, back);
    assertEquals(List.of("nyc", "la", "fra"), List.copyOf(back.servers().keySet()));
    ServerEntry nyc = back.get("nyc").orElseThrow();
    assertEquals(22, nyc.port());
    assertEquals("root", nyc.user());
    assertEquals("nyc", nyc.region());
    assertEquals("/opt/tako", nyc.home());
    assertEquals(9844, nyc.apiPort());
    assertEquals(80, nyc.httpPort());
    assertEquals(443, nyc.httpsPort());
    assertEquals(null, nyc.identity());
    try (Stream<Path> files = Files.list(file.getParent())) {
      assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
    }
  }

  @Test
  void withReplacesInPlaceAndWithoutRemoves() {
    Inventory inv =
        Inventory.empty().with(ServerEntry.of("a", "h1")).with(ServerEntry.of("b", "h2"));
    Inventory replaced = inv.with(ServerEntry.of("a", "h3"));
    assertEquals(List.of("a", "b"), List.copyOf(replaced.servers().keySet()));
    assertEquals("h3", replaced.get("a").orElseThrow().host());
    assertEquals("h1", inv.get("a").orElseThrow().host(), "the original is unchanged");
    assertFalse(inv.without("a").get("a").isPresent());
    assertEquals(inv, inv.without("zzz"));
  }

  @Test
  void readsTheSpecExample() throws Exception {
    Path file = dir.resolve("config.toml");
    Files.writeString(
        file,
        """
        [servers.la]
        host = "203.0.113.10"
        port = 22
        user = "root"
        region = "la"
        home = "/opt/tako"
        api_port = 9844
        identity = "~/.ssh/id_ed25519"   # optional
        """);
    ServerEntry la = Inventory.load(file).get("la").orElseThrow();
    assertEquals("~/.ssh/id_ed25519", la.identity());
    assertEquals(80, la.httpPort());
  }

  @Test
  void invalidInventoryReportsEveryProblem() throws Exception {
    Path file = dir.resolve("config.toml");
    Files.writeString(
        file,
        """
        colour = 1
        [servers.la]
        host = "h"
        port = 70000
        hots = "x"
        [servers.NYC]
        host = "h"
        [servers.fra]
        api_port = 0
        http_port = "80"
        """);
    ConfigException e = assertThrows(ConfigException.class, () -> Inventory.load(file));
    List<ConfigError> errors = e.errors();
    String p = "error: " + file + ": ";
    assertHas(errors, p + "colour: unknown key \"colour\" (accepted: servers)");
    assertHas(errors, p + "servers.la.port: 70000 is not a port (accepted: 1 to 65535)");
    assertHas(errors, p + "servers.la.hots: unknown key \"hots\" (accepted: host, port, user");
    assertHas(errors, p + "servers.NYC: server name \"NYC\" is not a DNS label");
    assertHas(errors, p + "servers.fra.host: missing");
    assertHas(errors, p + "servers.fra.api_port: 0 is not a port");
    assertHas(errors, p + "servers.fra.http_port: expected an integer, got the string \"80\"");
    assertEquals(7, errors.size(), e.getMessage());
  }

  @Test
  void syntaxErrorHasALine() throws Exception {
    Path file = dir.resolve("config.toml");
    Files.writeString(file, "[servers.la]\nhost = \"x\"\nport = \n");
    ConfigException e = assertThrows(ConfigException.class, () -> Inventory.load(file));
    assertTrue(
        e.getMessage().startsWith("error: " + file + ": line 3: invalid TOML"), e.getMessage());
  }

  private static void assertHas(List<ConfigError> errors, String prefix) {
    if (errors.stream().noneMatch(e -> e.render().startsWith(prefix))) {
      fail("no " + prefix + " in " + errors.stream().map(ConfigError::render).toList());
    }
  }
}
