package dev.tako.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tako.protocol.api.StatusView;
import dev.tako.protocol.config.Inventory;
import dev.tako.protocol.config.ServerEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusCommandTest {
  private static final StatusView.Member LA =
      new StatusView.Member("la", "la", "10.0.0.1:25520", "up", "0.1.0");

  private static StatusView.AppView app(String name, String env) {
    return new StatusView.AppView(name, env, List.of(name + ".example.com"), List.of());
  }

  private static ServerEntry server(String name, String host) {
    return new ServerEntry(name, host, 22, null, null, null, 9844, 80, 443, null);
  }

  @Test
  void inventoryServersThatAreNoMembersAreShownDown() {
    StatusView view = new StatusView(new StatusView.Cluster(List.of(LA)), List.of());
    Inventory inv =
        Inventory.empty().with(server("la", "10.0.0.1")).with(server("nyc", "10.0.0.2"));
    StatusView merged = StatusCommand.withInventory(view, inv);
    assertEquals(
        List.of(LA, new StatusView.Member("nyc", "nyc", "10.0.0.2", "down", null)),
        merged.cluster().members());
  }

  @Test
  void filterKeepsTheAppAndEnvironmentAsked() {
    StatusView view =
        new StatusView(
            new StatusView.Cluster(List.of(LA)),
            List.of(
                app("hello", "production"), app("hello", "staging"), app("other", "production")));
    assertEquals(3, StatusCommand.filter(view, null, null).apps().size());
    assertEquals(
        List.of(app("hello", "production"), app("hello", "staging")),
        StatusCommand.filter(view, "hello", null).apps());
    assertEquals(
        List.of(app("hello", "staging")), StatusCommand.filter(view, "hello", "staging").apps());
    assertEquals(
        List.of(app("hello", "production"), app("other", "production")),
        StatusCommand.filter(view, null, "production").apps());
    assertEquals(List.of(LA), StatusCommand.filter(view, "x", null).cluster().members());
  }

  @Test
  void runtimesAreShownByName() {
    assertEquals("-", StatusCommand.runtimes(LA));
    assertEquals(
        "bun 1.1.38, node 20.20.2",
        StatusCommand.runtimes(
            LA.withRuntimes(java.util.Map.of("node", "20.20.2", "bun", "1.1.38"))));
  }

  @Test
  void nodeFiguresAreShownCompactly() {
    assertEquals("-", StatusCommand.node(LA));
    assertEquals(
        "142 MB, heap 38 MB, 41 threads, cpu 12.3 s",
        StatusCommand.node(
            LA.withNode(
                new StatusView.NodeFigures(142L * 1024 * 1024, 38L * 1024 * 1024 + 1, 41, 12.34))));
    assertEquals(
        "rss ?, heap 0 MB, 3 threads, cpu 0.0 s",
        StatusCommand.node(LA.withNode(new StatusView.NodeFigures(-1, 0, 3, 0))));
  }
}
