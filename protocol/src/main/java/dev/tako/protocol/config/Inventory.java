package dev.tako.protocol.config;

import static dev.tako.protocol.config.TomlChecks.DNS_LABEL;
import static dev.tako.protocol.config.TomlChecks.DNS_LABEL_RULE;
import static dev.tako.protocol.config.TomlChecks.path;
import static dev.tako.protocol.config.TomlChecks.quote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The server inventory {@code $TAKO_HOME/config.toml} (SPEC §3): named servers in the order they
 * were added. Loading a missing file gives an empty inventory; an invalid one fails with a {@link
 * ConfigException} listing every problem. Saving replaces the file atomically so a crash never
 * leaves half an inventory.
 */
public record Inventory(Map<String, ServerEntry> servers) {
  static final List<String> TOP_KEYS = List.of("servers");
  static final List<String> SERVER_KEYS =
      List.of(
          "host",
          "port",
          "user",
          "region",
          "home",
          "api_port",
          "http_port",
          "https_port",
          "identity");

  public Inventory {
    servers = Collections.unmodifiableMap(new LinkedHashMap<>(servers));
  }

  public static Inventory empty() {
    return new Inventory(Map.of());
  }

  public Optional<ServerEntry> get(String name) {
    return Optional.ofNullable(servers.get(name));
  }

  /** This inventory with {@code entry} added, or replacing the entry of that name in place. */
  public Inventory with(ServerEntry entry) {
    Map<String, ServerEntry> next = new LinkedHashMap<>(servers);
    next.put(entry.name(), entry);
    return new Inventory(next);
  }

  /** This inventory without the named server (unchanged if absent). */
  public Inventory without(String name) {
    Map<String, ServerEntry> next = new LinkedHashMap<>(servers);
    next.remove(name);
    return new Inventory(next);
  }

  /**
   * Reads the inventory; a missing file is an empty inventory.
   *
   * @throws ConfigException naming every invalid entry (unknown keys, bad names, ports, no host)
   */
  public static Inventory load(Path file) throws ConfigException {
    if (!Files.exists(file)) {
      return empty();
    }
    TomlChecks c = new TomlChecks(file.toString());
    ObjectNode root = c.read(file, "add a server with: tako servers add NAME --host HOST");
    c.throwIfAny();
    c.unknownKeys(root, "", TOP_KEYS);
    Map<String, ServerEntry> servers = new LinkedHashMap<>();
    ObjectNode table = c.table(root, "servers", "", "[servers.la] host = \"203.0.113.10\"");
    if (table != null) {
      for (Map.Entry<String, JsonNode> e : TomlChecks.entries(table)) {
        ServerEntry entry = server(e.getKey(), e.getValue(), c);
        if (entry != null) {
          servers.put(entry.name(), entry);
        }
      }
    }
    c.throwIfAny();
    return new Inventory(servers);
  }

  private static ServerEntry server(String name, JsonNode node, TomlChecks c) {
    String at = path("servers", name);
    boolean ok = true;
    if (!DNS_LABEL.matcher(name).matches()) {
      c.add(at, quote(name), "server name " + quote(name) + " is not " + DNS_LABEL_RULE);
      ok = false;
    }
    if (!node.isObject()) {
      c.typeError(at, node, "a table", "[" + at + "] host = \"203.0.113.10\"");
      return null;
    }
    ObjectNode t = (ObjectNode) node;
    c.unknownKeys(t, at, SERVER_KEYS);
    String host = c.nonBlank(t, "host", at, "host = \"203.0.113.10\"");
    if (!t.has("host")) {
      c.add(
          path(at, "host"),
          null,
          "missing; every server needs a host name or address (example: host = \"203.0.113.10\")");
    }
    Integer port = port(t, "port", at, ServerEntry.DEFAULT_SSH_PORT, c);
    String user = c.nonBlank(t, "user", at, "user = \"root\"");
    String region = c.nonBlank(t, "region", at, "region = \"" + name + "\"");
    if (region != null && !DNS_LABEL.matcher(region).matches()) {
      c.add(
          path(at, "region"),
          quote(region),
          "region " + quote(region) + " is not " + DNS_LABEL_RULE);
      ok = false;
    }
    String home = c.nonBlank(t, "home", at, "home = \"/opt/tako\"");
    Integer apiPort = port(t, "api_port", at, ServerEntry.DEFAULT_API_PORT, c);
    Integer httpPort = port(t, "http_port", at, ServerEntry.DEFAULT_HTTP_PORT, c);
    Integer httpsPort = port(t, "https_port", at, ServerEntry.DEFAULT_HTTPS_PORT, c);
    String identity = c.nonBlank(t, "identity", at, "identity = \"~/.ssh/id_ed25519\"");
    if (!ok
        || host == null
        || port == null
        || apiPort == null
        || httpPort == null
        || httpsPort == null) {
      return null;
    }
    return new ServerEntry(
        name, host, port, user, region, home, apiPort, httpPort, httpsPort, identity);
  }

  private static Integer port(ObjectNode t, String key, String at, int dflt, TomlChecks c) {
    if (!t.has(key)) {
      return dflt;
    }
    Long v = c.integer(t, key, at, key + " = " + dflt);
    if (v == null) {
      return null;
    }
    if (v < 1 || v > 65535) {
      c.add(path(at, key), String.valueOf(v), v + " is not a port (accepted: 1 to 65535)");
      return null;
    }
    return v.intValue();
  }

  /**
   * Writes the inventory in the SPEC shape, creating parent directories; the file is replaced
   * atomically (temporary file in the same directory, then rename).
   *
   * @throws UncheckedIOException when the directory is not writable
   */
  public void save(Path file) {
    StringBuilder out = new StringBuilder();
    out.append("# Servers known to tako; edit with `tako servers add` and `tako servers rm`.\n");
    for (ServerEntry s : servers.values()) {
      out.append('\n').append("[").append(path("servers", s.name())).append("]\n");
      out.append("host = ").append(quote(s.host())).append('\n');
      out.append("port = ").append(s.port()).append('\n');
      out.append("user = ").append(quote(s.user())).append('\n');
      out.append("region = ").append(quote(s.region())).append('\n');
      out.append("home = ").append(quote(s.home())).append('\n');
      out.append("api_port = ").append(s.apiPort()).append('\n');
      out.append("http_port = ").append(s.httpPort()).append('\n');
      out.append("https_port = ").append(s.httpsPort()).append('\n');
      if (s.identity() != null) {
        out.append("identity = ").append(quote(s.identity())).append('\n');
      }
    }
    try {
      Path absolute = file.toAbsolutePath();
      Path dir = absolute.getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, absolute.getFileName().toString(), ".tmp");
      try {
        Files.writeString(tmp, out.toString(), StandardCharsets.UTF_8);
        try {
          Files.move(
              tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        // Only left behind when the write or the rename failed.
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
