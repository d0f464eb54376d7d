package dev.tako.cli;

import dev.tako.cli.ssh.SshConfigResolver;
import dev.tako.cli.ssh.SshTarget;
import dev.tako.protocol.config.ConfigException;
import dev.tako.protocol.config.Inventory;
import dev.tako.protocol.config.ServerEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Inventory access and SSH targets for inventory entries ({@code ~/.ssh/config} aliases honoured).
 */
public final class Servers {
  private Servers() {}

  public static Inventory load(TakoHome home) {
    try {
      return Inventory.load(home.inventory());
    } catch (ConfigException e) {
      throw CliException.usage(stripError(e.getMessage()));
    }
  }

  /** ConfigError lines already start with "error: "; the CLI's handler adds it once. */
  public static String stripError(String message) {
    return message.startsWith("error: ") ? message.substring("error: ".length()) : message;
  }

  public static SshTarget target(ServerEntry s, TakoHome home) {
    Path userSsh = Path.of(System.getProperty("user.home"), ".ssh");
    SshConfigResolver.Resolved alias = alias(s.host());
    String host = alias.hostName() != null ? alias.hostName() : s.host();
    Path identity =
        s.identity() != null
            ? Path.of(expandHome(s.identity()))
            : alias.identityFile() != null ? alias.identityFile() : null;
    List<Path> known = new ArrayList<>();
    known.add(userSsh.resolve("known_hosts"));
    known.add(home.knownHosts());
    return new SshTarget(s.name(), host, s.port(), s.user(), identity, known, home.knownHosts());
  }

  /** What ~/.ssh/config says about a host or alias (nothing when there is no such file). */
  public static SshConfigResolver.Resolved alias(String host) {
    Path config = Path.of(System.getProperty("user.home"), ".ssh", "config");
    try {
      return new SshConfigResolver(config).resolve(host);
    } catch (java.io.IOException e) {
      throw CliException.usage("cannot read " + config + ": " + e.getMessage());
    }
  }

  public static String expandHome(String path) {
    if (path.equals("~")) {
      return System.getProperty("user.home");
    }
    if (path.startsWith("~/")) {
      return System.getProperty("user.home") + path.substring(1);
    }
    return path;
  }

  /** The entries for names, in the given order; unknown names are a usage error. */
  public static List<ServerEntry> entries(Inventory inv, List<String> names) {
    List<ServerEntry> out = new ArrayList<>();
    for (String n : names) {
      out.add(
          inv.get(n)
              .orElseThrow(
                  () ->
                      CliException.usage(
                          "unknown server \""
                              + n
                              + "\"; known: "
                              + String.join(", ", inv.servers().keySet())
                              + " (add one with: tako servers add "
                              + n
                              + " --host HOST)")));
    }
    return out;
  }
}
