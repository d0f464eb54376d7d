package dev.tako.cli.commands;

import dev.tako.cli.CliException;
import dev.tako.cli.NodeClient;
import dev.tako.cli.Output;
import dev.tako.cli.Servers;
import dev.tako.cli.TakoHome;
import dev.tako.cli.install.NodeInstaller;
import dev.tako.cli.install.NodeRemoval;
import dev.tako.cli.ssh.HostKeyPolicy;
import dev.tako.protocol.config.Inventory;
import dev.tako.protocol.config.NodeConf;
import dev.tako.protocol.config.ServerEntry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tako servers add|ls|rm}: the server inventory in {@code $TAKO_HOME/config.toml}. */
@Command(
    name = "servers",
    mixinStandardHelpOptions = true,
    description = "Manage the servers apps deploy to.",
    subcommands = {
      ServersCommand.Add.class,
      ServersCommand.Ls.class,
      ServersCommand.Rm.class,
      ServersCommand.RotateCerts.class,
      ServersCommand.Upgrade.class
    })
public final class ServersCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = "Add a server (and with --install, install and start a node on it).")
  static final class Add implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "A short name such as la or nyc.")
    String name;

    @Option(names = "--host", required = true, description = "Address or ~/.ssh/config alias.")
    String host;

    @Option(names = "--port", description = "SSH port (default 22).")
    Integer port;

    @Option(names = "--user", description = "SSH user (default root).")
    String user;

    @Option(names = "--region", description = "Region (default: the name).")
    String region;

    @Option(names = "--identity", paramLabel = "KEY", description = "SSH private key file.")
    Path identity;

    @Option(
        names = "--home",
        defaultValue = "/opt/tako",
        description = "The node's home on the server (default: ${DEFAULT-VALUE}).")
    String nodeHome;

    @Option(
        names = "--http-port",
        defaultValue = "80",
        description = "Public HTTP port of the proxy (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(
        names = "--https-port",
        defaultValue = "443",
        description = "Public HTTPS port (default: ${DEFAULT-VALUE}).")
    int httpsPort;

    @Option(
        names = "--api-port",
        defaultValue = "" + NodeConf.DEFAULT_API_PORT,
        description = "Loopback port of the node's API (default: ${DEFAULT-VALUE}).")
    int apiPort;

    @Option(
        names = "--cluster-port",
        defaultValue = "" + NodeConf.DEFAULT_CLUSTER_PORT,
        description = "Port of the node's cluster transport (default: ${DEFAULT-VALUE}).")
    int clusterPort;

    @Option(
        names = "--install",
        description =
            "Upload and start a tako node on the server, and wait until it joined the cluster.")
    boolean install;

    @Option(
        names = "--accept-new-host-key",
        description =
            "Trust the server's SSH host key if it is not known yet (recorded in $TAKO_HOME/known_hosts).")
    boolean acceptNew;

    @Option(
        names = "--timeout",
        defaultValue = "120",
        description = "Seconds to wait for the node (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
      if (!name.matches("[a-z][a-z0-9-]{0,62}")) {
        throw CliException.usage(
            "NAME \"" + name + "\" is not valid: a-z, 0-9 and -, starting with a letter");
      }
      String r = region == null ? name : region;
      if (!r.matches("[a-z][a-z0-9-]{0,62}")) {
        throw CliException.usage(
            "--region \"" + r + "\" is not valid: a-z, 0-9 and -, starting with a letter");
      }
      TakoHome home = TakoHome.fromEnvironment();
      Inventory inventory = Servers.load(home);
      if (inventory.get(name).isPresent()) {
        throw CliException.usage(
            "a server named " + name + " exists already (tako servers rm " + name + " first)");
      }
      var alias = Servers.alias(host);
      int sshPort = port != null ? port : alias.port() != null ? alias.port() : 22;
      String sshUser = user != null ? user : alias.user() != null ? alias.user() : "root";
      ServerEntry entry =
          new ServerEntry(
              name,
              host,
              sshPort,
              sshUser,
              r,
              nodeHome,
              apiPort,
              httpPort,
              httpsPort,
              identity == null ? null : identity.toAbsolutePath().toString());
      Output out = new Output(false);
      HostKeyPolicy policy = acceptNew ? HostKeyPolicy.ACCEPT_NEW : HostKeyPolicy.STRICT;
      try (NodeClient client = NodeClient.connect(entry, home, policy)) {
        if (install) {
          new NodeInstaller(home, out, Duration.ofSeconds(timeoutSeconds))
              .install(client, entry, inventory, clusterPort);
        }
      }
      inventory.with(entry).save(home.inventory());
      out.line(
          "added server "
              + name
              + " ("
              + sshUser
              + "@"
              + host
              + ":"
              + sshPort
              + ", region "
              + r
              + ")");
      return 0;
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List the servers.")
  static final class Ls implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      Output out = new Output(json);
      Inventory inventory = Servers.load(TakoHome.fromEnvironment());
      List<Map<String, Object>> servers = new ArrayList<>();
      for (ServerEntry s : inventory.servers().values()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("host", s.host());
        m.put("port", s.port());
        m.put("user", s.user());
        m.put("region", s.region());
        m.put("home", s.home());
        m.put("api_port", s.apiPort());
        servers.add(m);
      }
      out.result(Map.of("servers", servers));
      if (servers.isEmpty()) {
        out.line("no servers (add one with: tako servers add NAME --host HOST)");
      } else {
        out.line(
            String.format(
                "%-10s %-24s %-6s %-10s %-8s %s",
                "NAME", "HOST", "PORT", "USER", "REGION", "HOME"));
        for (ServerEntry s : inventory.servers().values()) {
          out.line(
              String.format(
                  "%-10s %-24s %-6d %-10s %-8s %s",
                  s.name(), s.host(), s.port(), s.user(), s.region(), s.home()));
        }
      }
      return 0;
    }
  }

  @Command(
      name = "rm",
      mixinStandardHelpOptions = true,
      description =
          "Remove a server: its node leaves the cluster (stopping its apps) and the server leaves"
              + " the inventory; with --uninstall also remove the node from the server.")
  static final class Rm implements Callable<Integer> {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(
        names = "--uninstall",
        description =
            "Also stop the node's service and app processes and delete its home on the server"
                + " (over SSH).")
    boolean uninstall;

    @Override
    public Integer call() {
      TakoHome home = TakoHome.fromEnvironment();
      Inventory inventory = Servers.load(home);
      if (inventory.get(name).isEmpty()) {
        throw CliException.usage(
            "unknown server \""
                + name
                + "\"; known: "
                + String.join(", ", inventory.servers().keySet()));
      }
      ServerEntry entry = inventory.get(name).get();
      Output out = new Output(false);
      NodeRemoval removal = new NodeRemoval(home, out);
      if (uninstall) {
        // A node stopped by its service leaves the cluster by itself (a graceful Leave on SIGTERM);
        // the leave below then only confirms it, or downs what is left of it.
        removal.uninstall(entry);
      }
      if (removal.leave(inventory, name)) {
        out.progress("  " + name + " is out of the cluster");
      }
      inventory.without(name).save(home.inventory());
      out.line("removed server " + name + (uninstall ? " (node uninstalled)" : ""));
      return 0;
    }
  }

  @Command(
      name = "upgrade",
      mixinStandardHelpOptions = true,
      description =
          "Put this tako's node on the servers and restart their nodes, one server at a time,"
              + " each back in the cluster before the next.")
  static final class Upgrade implements Callable<Integer> {
    @Parameters(
        paramLabel = "NAME",
        arity = "0..*",
        description = "Only these servers (default: all).")
    List<String> names;

    @Option(
        names = "--timeout",
        defaultValue = "120",
        description = "Seconds to wait for each node to be back (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() {
      TakoHome home = TakoHome.fromEnvironment();
      Inventory inventory = Servers.load(home);
      List<ServerEntry> targets = targets(inventory, names, "upgrade");
      Output out = new Output(false);
      var upgrade =
          new dev.tako.cli.install.NodeUpgrade(home, out, Duration.ofSeconds(timeoutSeconds));
      for (ServerEntry s : targets) {
        out.progress("upgrading " + s.name() + "...");
        var done = upgrade.upgrade(inventory, s);
        out.line(
            String.format(
                "  %s: %s -> %s, back in the cluster after %.1f s",
                s.name(), done.from(), done.to(), done.took().toMillis() / 1000.0));
      }
      out.line("upgraded " + targets.size() + " server(s)");
      return 0;
    }
  }

  @Command(
      name = "rotate-certs",
      mixinStandardHelpOptions = true,
      description =
          "Issue every server a new cluster certificate from the cluster CA; nodes pick it up"
              + " without a restart (new connections use it within a minute).")
  static final class RotateCerts implements Callable<Integer> {
    @Parameters(
        paramLabel = "NAME",
        arity = "0..*",
        description = "Only these servers (default: all).")
    List<String> names;

    @Override
    public Integer call() throws Exception {
      TakoHome home = TakoHome.fromEnvironment();
      Inventory inventory = Servers.load(home);
      List<ServerEntry> targets = targets(inventory, names, "rotate");
      var ca = dev.tako.cli.tls.ClusterCa.loadOrCreate(home.clusterCa());
      Output out = new Output(false);
      List<String> failed = new ArrayList<>();
      for (ServerEntry s : targets) {
        try (NodeClient c = NodeClient.connect(s, home, HostKeyPolicy.STRICT)) {
          var tls = dev.tako.cli.NodeFiles.TlsFiles.issue(ca, s.name());
          // The CA first (unchanged, but make sure it is there), then the certificate and its key.
          c.ssh().replaceFile(NodeClient.homePath(s, "tls/ca.crt"), bytes(tls.caCert()), 0644);
          c.ssh().replaceFile(NodeClient.homePath(s, "tls/node.key"), bytes(tls.key()), 0600);
          c.ssh().replaceFile(NodeClient.homePath(s, "tls/node.crt"), bytes(tls.cert()), 0644);
          out.line("  " + s.name() + ": new certificate installed");
        } catch (CliException | dev.tako.cli.ssh.SshException e) {
          failed.add(s.name());
          out.progress("error: " + s.name() + ": " + e.getMessage());
        }
      }
      if (!failed.isEmpty()) {
        System.err.println(
            "error: rotation failed on " + String.join(", ", failed) + "; run it again for them");
        return CliException.FAILED;
      }
      out.line("rotated the certificates of " + targets.size() + " server(s)");
      return 0;
    }

    private static byte[] bytes(String s) {
      return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** The named servers, or all without names; none at all is a usage error. */
  static List<ServerEntry> targets(Inventory inventory, List<String> names, String verb) {
    List<ServerEntry> targets =
        names == null || names.isEmpty()
            ? new ArrayList<>(inventory.servers().values())
            : Servers.entries(inventory, names);
    if (targets.isEmpty()) {
      throw CliException.usage(
          "no servers to " + verb + " (add one with: tako servers add NAME --host HOST)");
    }
    return targets;
  }
}
