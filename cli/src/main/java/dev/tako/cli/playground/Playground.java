package dev.tako.cli.playground;

import dev.tako.cli.CliException;
import dev.tako.cli.Dist;
import dev.tako.cli.NodeClient;
import dev.tako.cli.NodeFiles;
import dev.tako.cli.Output;
import dev.tako.cli.Servers;
import dev.tako.cli.TakoHome;
import dev.tako.cli.ssh.HostKeyPolicy;
import dev.tako.cli.ssh.KeyFiles;
import dev.tako.cli.tls.ClusterCa;
import dev.tako.protocol.config.Inventory;
import dev.tako.protocol.config.NodeConf;
import dev.tako.protocol.config.ServerEntry;
import dev.tako.protocol.ports.InstancePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The local multi-region playground (SPEC §6): one node JVM per region on this machine, each with
 * its own home under {@code $TAKO_HOME/playground/NAME}, an embedded SSH/SFTP endpoint, and free
 * ports chosen at {@code up}. The CLI then reaches them exactly like real servers, over SSH. Nodes
 * are started detached (their own session), so they outlive the CLI; they are stopped by pid.
 */
public final class Playground {
  public static final List<String> DEFAULT_REGIONS = List.of("la", "nyc", "fra", "sgp");

  private final TakoHome home;
  private final Output out;
  private final Duration timeout;

  public Playground(TakoHome home, Output out, Duration timeout) {
    this.home = home;
    this.out = out;
    this.timeout = timeout;
  }

  public PlaygroundState state() {
    return PlaygroundState.of(home);
  }

  private void save(PlaygroundState s) {
    s.saveTo(home);
  }

  /** Starts every region's node (creating homes at first), then waits until all are Up. */
  public PlaygroundState up(List<String> regions) throws IOException {
    return up(regions, false);
  }

  /**
   * As {@link #up(List)}, with the round trips of SPEC §11 between regions when {@code wan} (each
   * {@code up} sets it anew; see {@link PlaygroundNetwork}).
   */
  public PlaygroundState up(List<String> regions, boolean wan) throws IOException {
    PlaygroundState state = state();
    // wan-playground: nodes recorded before the relays have no address of their own
    if (state.servers().stream().anyMatch(n -> n.address() == null)) {
      throw CliException.usage(
          "this playground was set up by an older tako; run tako playground down first");
    }
    Inventory inventory = Servers.load(home);
    for (String r : regions) {
      if (state.node(r).isEmpty() && inventory.get(r).isPresent()) {
        throw CliException.usage(
            "a server named "
                + r
                + " is already in the inventory and is not a playground node;"
                + " remove it (tako servers rm "
                + r
                + ") or choose other --regions");
      }
    }
    Files.createDirectories(home.playground());
    Path clientKey = home.playground().resolve("client_key");
    if (!Files.exists(clientKey)) {
      KeyFiles.writePrivateKey(clientKey, KeyFiles.generateRsa().getPrivate());
    }
    KeyPair client = KeyFiles.readPkcs8(clientKey);
    ClusterCa ca = ClusterCa.loadOrCreate(home.clusterCa());
    Set<Integer> taken = new HashSet<>();
    List<PlaygroundState.Node> toStart = new ArrayList<>();
    for (String r : regions) {
      PlaygroundState.Node node = state.node(r).orElse(null);
      if (node == null) {
        node = create(r, client, ca, taken, PlaygroundNetwork.nextAddress(state));
      }
      state = state.with(node);
      if (!node.running()) {
        toStart.add(node);
      }
    }
    // Seeds: every playground node, so any of them can (re)join the others.
    List<String> seeds = new ArrayList<>();
    for (PlaygroundState.Node n : state.servers()) {
      seeds.add(PlaygroundNetwork.canonical(n)); // wan-playground: the relay in front
    }
    for (PlaygroundState.Node n : state.servers()) {
      writeNodeConf(n, seeds);
    }
    state = new PlaygroundNetwork(home, out).ensureRelay(state, wan); // wan-playground
    for (PlaygroundState.Node n : toStart) {
      state = state.with(spawn(n));
      out.progress(
          "  started node " + n.name() + " (pid " + state.node(n.name()).get().pid() + ")");
    }
    save(state);
    for (PlaygroundState.Node n : state.servers()) {
      inventory = inventory.with(entry(n, clientKey));
    }
    inventory.save(home.inventory());
    awaitUp(state, state.servers().stream().map(PlaygroundState.Node::name).toList());
    return state;
  }

  private PlaygroundState.Node create(
      String name, KeyPair client, ClusterCa ca, Set<Integer> taken, String address)
      throws IOException {
    Path nodeHome = home.playground().resolve(name);
    Files.createDirectories(nodeHome.resolve("tls"));
    Path hostKey = nodeHome.resolve("ssh_host_key");
    KeyPair host = KeyFiles.generateRsa();
    KeyFiles.writePrivateKey(hostKey, host.getPrivate());
    Files.writeString(
        nodeHome.resolve("authorized_keys"),
        KeyFiles.authorizedKeyLine(client.getPublic(), "tako-playground") + "\n");
    NodeFiles.TlsFiles tls = NodeFiles.TlsFiles.issue(ca, name);
    KeyFiles.writeSecret(nodeHome.resolve("tls/node.key"), tls.key().getBytes());
    Files.writeString(nodeHome.resolve("tls/node.crt"), tls.cert());
    Files.writeString(nodeHome.resolve("tls/ca.crt"), tls.caCert());
    PlaygroundState.Node node =
        new PlaygroundState.Node(
            name,
            name,
            0,
            nodeHome.toString(),
            freePort(taken),
            freePort(taken),
            freePort(taken),
            freePort(taken),
            freePort(taken),
            freePort(taken),
            address, // wan-playground: own address, Artery and SSH relay ports
            freePort(taken),
            freePort(taken),
            freePort(taken), // the node-to-node listener and its relay
            freePort(taken));
    KnownHosts.replace(
        home.knownHosts(),
        address,
        node.sshRelayPort(),
        KeyFiles.knownHostsLine(address, node.sshRelayPort(), host.getPublic()));
    return node;
  }

  private static void writeNodeConf(PlaygroundState.Node n, List<String> seeds) throws IOException {
    NodeConf conf =
        new NodeConf(
            n.name(),
            n.region(),
            "127.0.0.1",
            "127.0.0.1",
            n.apiPort(),
            n.proxyPort(),
            n.httpsPort(),
            n.metricsPort(),
            n.sshPort(),
            n.address(), // wan-playground: canonical = the relay; bind in the block below
            n.clusterRelayPort(),
            seeds,
            PlaygroundNetwork.nodeConfBlock(n)
                + Objects.toString(System.getenv("TAKO_PLAYGROUND_NODE_CONF"), ""));
    Files.writeString(Path.of(n.home()).resolve("node.conf"), conf.render());
  }

  private static ServerEntry entry(PlaygroundState.Node n, Path clientKey) {
    return new ServerEntry(
        n.name(),
        n.address(), // wan-playground: the CLI's SSH goes through the node's relay
        n.sshRelayPort(),
        System.getProperty("user.name", "root"),
        n.region(),
        "/",
        n.apiPort(),
        n.proxyPort(),
        n.httpsPort(),
        clientKey.toString());
  }

  /** Below the kernel's ephemeral range (see {@link InstancePorts}). */
  private static final InstancePorts.PortRange PORTS = InstancePorts.PortRange.parse("auto");

  private static int freePort(Set<Integer> taken) throws IOException {
    for (int i = 0; i < 100; i++) {
      // below the ephemeral range: no outgoing connection takes it before its node binds it
      int p = InstancePorts.next(PORTS);
      if (taken.add(p)) {
        return p;
      }
    }
    throw new IOException("no free port found");
  }

  /** Starts a node JVM in its own session; its pid is the JVM's (setsid execs, no wrapper). */
  private PlaygroundState.Node spawn(PlaygroundState.Node n) throws IOException {
    Path nodeHome = Path.of(n.home());
    List<String> cmd = new ArrayList<>();
    cmd.add("setsid");
    cmd.add(Dist.java());
    String opts = System.getenv("TAKO_NODE_JAVA_OPTS");
    if (opts == null || opts.isBlank()) {
      opts =
          "-Xms16m -Xmx192m -XX:+UseSerialGC -Xss512k -XX:ReservedCodeCacheSize=48m "
              + Dist.NODE_IDLE_OPTS;
    }
    cmd.addAll(List.of(opts.trim().split("\\s+")));
    cmd.add("-cp");
    cmd.add(Dist.nodeLib() + "/*");
    cmd.add("dev.tako.node.Main");
    cmd.add(nodeHome.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putIfAbsent("MALLOC_ARENA_MAX", Dist.NODE_MALLOC_ARENA_MAX);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(nodeHome.resolve("node.log").toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    return n.withPid(p.pid());
  }

  /** Waits until every named node's API answers and all of them are Up members of one cluster. */
  public void awaitUp(PlaygroundState state, List<String> names) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Inventory inventory = Servers.load(home);
    for (String name : names) {
      PlaygroundState.Node n = state.node(name).orElseThrow();
      ServerEntry e = inventory.get(name).orElseThrow();
      String lastProblem = "not started";
      boolean up = false;
      while (System.nanoTime() < deadline && !up) {
        if (!n.running()) {
          throw CliException.failed(
              "node " + name + " exited; its log: " + n.home() + "/node.log\n" + tail(n, 15));
        }
        try (NodeClient c = NodeClient.connect(e, home, HostKeyPolicy.STRICT)) {
          Map<?, ?> ping = c.get("/v1/ping", Map.class, Duration.ofSeconds(5));
          up = Boolean.TRUE.equals(ping.get("up"));
          lastProblem = up ? "" : "not yet Up in the cluster";
        } catch (CliException ex) {
          lastProblem = ex.getMessage();
        }
        if (!up) {
          pause();
        }
      }
      if (!up) {
        throw CliException.failed(
            "node "
                + name
                + " did not come up within "
                + timeout.toSeconds()
                + " s ("
                + lastProblem
                + "); its log: "
                + n.home()
                + "/node.log\n"
                + tail(n, 15));
      }
      out.progress("  " + name + " is up");
    }
  }

  private static void pause() {
    try {
      Thread.sleep(250);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failed("interrupted");
    }
  }

  private static String tail(PlaygroundState.Node n, int lines) {
    try {
      List<String> all = Files.readAllLines(Path.of(n.home()).resolve("node.log"));
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "";
    }
  }

  /** The node's process was replaced by {@code pid} (a handover: tako servers upgrade). */
  public void replaced(String name, long pid) {
    PlaygroundState state = state();
    state.node(name).ifPresent(n -> save(state.with(n.withPid(pid))));
  }

  /** Stops one node by pid: SIGTERM (the node stops its apps), SIGKILL after 30 s. */
  public void stop(String name) {
    PlaygroundState state = state();
    PlaygroundState.Node n =
        state
            .node(name)
            .orElseThrow(
                () ->
                    CliException.usage(
                        "no playground node named " + name + " (see: tako playground ls)"));
    stopProcess(n);
    save(state.with(n.withPid(0)));
  }

  private void stopProcess(PlaygroundState.Node n) {
    if (!n.running()) {
      return;
    }
    ProcessHandle h = ProcessHandle.of(n.pid()).orElse(null);
    if (h == null) {
      return;
    }
    h.destroy();
    try {
      h.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      h.destroyForcibly();
      try {
        h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // reported below by running()
      }
    }
    out.progress("  stopped node " + n.name());
  }

  /**
   * {@code tako servers rm --uninstall} of a playground server: its node is stopped (by pid; it
   * stops its apps), its home deleted and it is no longer part of the playground.
   */
  public void remove(String name) {
    PlaygroundState state = state();
    PlaygroundState.Node n =
        state.node(name).orElseThrow(() -> CliException.usage("no playground node named " + name));
    stopProcess(n);
    if (n.running()) {
      throw CliException.failed(
          "the playground node " + name + " (pid " + n.pid() + ") did not stop");
    }
    try {
      dev.tako.cli.pack.Packer.deleteTree(Path.of(n.home()));
    } catch (IOException e) {
      throw CliException.failed("cannot delete " + n.home() + ": " + e.getMessage());
    }
    try {
      forgetHostKey(n);
    } catch (IOException e) {
      throw CliException.failed("cannot update " + home.knownHosts() + ": " + e.getMessage());
    }
    save(state.without(name));
  }

  private void forgetHostKey(PlaygroundState.Node n) throws IOException {
    boolean relayed = n.address() != null; // wan-playground: older playgrounds had none
    KnownHosts.replace(
        home.knownHosts(),
        relayed ? n.address() : "127.0.0.1",
        relayed ? n.sshRelayPort() : n.sshPort(),
        null);
  }

  public void start(String name) throws IOException {
    PlaygroundState state = state();
    PlaygroundState.Node n =
        state
            .node(name)
            .orElseThrow(
                () ->
                    CliException.usage(
                        "no playground node named " + name + " (see: tako playground ls)"));
    if (!n.running()) {
      // wan-playground: the relay too, should it have stopped (a reboot)
      state = new PlaygroundNetwork(home, out).ensureRelay(state, state.network().wan());
      n = spawn(n);
      state = state.with(n);
      save(state);
      out.progress("  started node " + name + " (pid " + n.pid() + ")");
    }
    awaitUp(state, List.of(name));
  }

  /** Stops every node (and so every app they run), removes them from the inventory. */
  public void down() throws IOException {
    PlaygroundState state = state();
    state.servers().parallelStream().forEach(this::stopProcess);
    Inventory inventory = Servers.load(home);
    for (PlaygroundState.Node n : state.servers()) {
      inventory = inventory.without(n.name());
      forgetHostKey(n);
    }
    inventory.save(home.inventory());
    new PlaygroundNetwork(home, out).stopRelay(state); // wan-playground: after the nodes left
    dev.tako.cli.pack.Packer.deleteTree(home.playground());
  }
}
