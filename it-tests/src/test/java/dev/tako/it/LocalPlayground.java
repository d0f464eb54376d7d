package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * One real playground for an integration test class, through the packaged CLI: {@code playground
 * up} with short node timers, then at the end {@code playground down} and the check that no node
 * and no app process it started is left.
 */
final class LocalPlayground {
  static final String FAST_NODE_CONF =
      "tako.supervisor { stability-window = 300ms, drain-delay = 300ms, term-grace = 3s }";

  final TakoCli tako;
  final Path cwd;
  final Map<String, Integer> proxyPorts = new HashMap<>();
  final Map<String, Integer> httpsPorts = new HashMap<>();
  final Map<String, Long> nodePids = new HashMap<>();
  final Map<String, Path> nodeHomes = new HashMap<>();

  private LocalPlayground(TakoCli tako, Path cwd) {
    this.tako = tako;
    this.cwd = cwd;
  }

  static LocalPlayground up(Path tmp, List<String> regions) throws Exception {
    return up(tmp, regions, FAST_NODE_CONF);
  }

  static LocalPlayground up(Path tmp, List<String> regions, String nodeConf) throws Exception {
    return up(tmp, regions, nodeConf, new String[0]);
  }

  /** As {@link #up(Path, List, String)} with more options of {@code playground up} (--wan). */
  static LocalPlayground up(Path tmp, List<String> regions, String nodeConf, String... options)
      throws Exception {
    TakoCli tako =
        new TakoCli(
            Files.createDirectories(tmp.resolve("tako-home")),
            Map.of("TAKO_PLAYGROUND_NODE_CONF", nodeConf));
    LocalPlayground pg = new LocalPlayground(tako, tmp);
    List<String> args =
        new ArrayList<>(
            List.of("playground", "up", "--regions", String.join(",", regions), "--json"));
    args.addAll(List.of(options));
    try {
      TakoCli.Result up = tako.run(tmp, Duration.ofMinutes(4), args.toArray(String[]::new));
      assertEquals(0, up.exit(), up::toString);
      for (JsonNode s : up.json().get("servers")) {
        assertTrue(s.get("running").asBoolean(), up::toString);
        String name = s.get("name").asText();
        pg.proxyPorts.put(name, s.get("proxy_port").asInt());
        pg.httpsPorts.put(name, s.get("https_port").asInt());
        pg.nodePids.put(name, s.get("pid").asLong());
        pg.nodeHomes.put(name, Path.of(s.get("home").asText()));
      }
      assertEquals(new HashSet<>(regions), pg.proxyPorts.keySet());
      return pg;
    } catch (Throwable failed) {
      // The test class's @AfterAll has no playground to stop: whatever was started goes now.
      try {
        TakoCli.Result down = tako.run(tmp, Duration.ofMinutes(2), "playground", "down");
        if (down.exit() != 0) {
          failed.addSuppressed(new AssertionError("playground down after a failed up: " + down));
        }
      } catch (Throwable downFailed) {
        failed.addSuppressed(downFailed);
      }
      throw failed;
    }
  }

  /** Stops everything; no node or app process may outlive it. */
  void down() throws Exception {
    List<Long> appPids = new ArrayList<>();
    TakoCli.Result status = tako.run(cwd, "status", "--json");
    if (status.exit() == 0) {
      for (JsonNode app : status.json().get("apps")) {
        for (JsonNode server : app.get("servers")) {
          for (JsonNode i : server.get("instances")) {
            appPids.add(i.get("pid").asLong());
          }
        }
      }
    }
    TakoCli.Result down = tako.run(cwd, "playground", "down");
    assertEquals(0, down.exit(), down::toString);
    // Nodes restarted by a test have new pids: check the current ones too.
    Map<String, Long> pids = new HashMap<>(nodePids);
    for (long pid : pids.values()) {
      assertFalse(alive(pid), "node pid " + pid + " still alive after down");
    }
    for (long pid : appPids) {
      assertFalse(alive(pid), "app pid " + pid + " still alive after down");
    }
    assertFalse(Files.exists(tako.home.resolve("playground")));
  }

  /** The entry of {@code server} in {@code playground ls --json} (pid, ports, home). */
  JsonNode lsEntry(String server) throws Exception {
    TakoCli.Result ls = tako.run(cwd, "playground", "ls", "--json");
    assertEquals(0, ls.exit(), ls::toString);
    for (JsonNode s : ls.json().get("servers")) {
      if (s.get("name").asText().equals(server)) {
        return s;
      }
    }
    throw new AssertionError("no server " + server + " in\n" + ls);
  }

  /** Deletes {@code dir} and everything under it. */
  static void deleteTree(Path dir) throws Exception {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
