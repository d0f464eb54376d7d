package dev.tako.cli.playground;

import dev.tako.cli.CliException;
import dev.tako.cli.Output;
import dev.tako.cli.TakoHome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The playground's network as the CLI sees it (SPEC §11): each node's own loopback address, the
 * node.conf lines that put its Artery behind its relay, and the relay process ({@link
 * RelayProcess}): started by {@code up}, told about {@code --wan}, {@code partition} and {@code
 * heal}, stopped by pid on {@code down}. Fails with a {@link CliException} when the relay cannot be
 * started or does not confirm a change.
 */
public final class PlaygroundNetwork {
  private final TakoHome home;
  private final Output out;

  public PlaygroundNetwork(TakoHome home, Output out) {
    this.home = home;
    this.out = out;
  }

  /** The lowest 127.0.0.N (N ≥ 2) no node of the playground has: 127.0.0.1 is the CLI's. */
  public static String nextAddress(PlaygroundState state) {
    Set<String> used = new HashSet<>();
    state.servers().forEach(n -> used.add(n.address()));
    for (int i = 2; i < 255; i++) {
      if (!used.contains("127.0.0." + i)) {
        return "127.0.0." + i;
      }
    }
    throw CliException.failed("the playground has no loopback address left");
  }

  /** Where peers dial a node's Artery: its relay. */
  public static String canonical(PlaygroundState.Node n) {
    return n.address() + ":" + n.clusterRelayPort();
  }

  /**
   * The node.conf lines behind the relay: Artery binds the node's own address and bind port (its
   * canonical address, tako.cluster, is the relay), and dials out from its own address, so the
   * relays in front of its peers know which region a connection comes from.
   */
  public static String nodeConfBlock(PlaygroundState.Node n) {
    return "# The playground's network (tako playground up): peers dial the relay at tako.cluster;\n"
        + "# the node binds behind it and dials out from its own address, which names its region.\n"
        + "pekko.remote.artery.bind.hostname = \""
        + n.address()
        + "\"\n"
        + "pekko.remote.artery.bind.port = "
        + n.clusterPort()
        + "\n"
        + "pekko.remote.artery.advanced.tcp.outbound-client-hostname = \""
        + n.address()
        + "\"\n"
        + peerBlock(n);
  }

  /** The node-to-node listener behind its relay, dialing out from the node's own address. */
  private static String peerBlock(PlaygroundState.Node n) {
    if (n.peerPort() == 0) {
      return ""; // recorded before the listener existed: the node's defaults
    }
    return "tako.peer { bind-host = \""
        + n.address()
        + "\", port = "
        + n.peerPort()
        + ", advertised-port = "
        + n.peerRelayPort()
        + ", outbound-host = \""
        + n.address()
        + "\" }\n";
  }

  private Path dir() {
    return home.playground();
  }

  private PlaygroundState load() {
    return PlaygroundState.of(home);
  }

  private void save(PlaygroundState s) {
    s.saveTo(home);
  }

  /**
   * Records {@code wan} and makes the relay serve every node of {@code state}: starts the relay
   * process when it is not running, else tells it to re-read the state. Saves and returns the state
   * with the relay's pid and port.
   */
  public PlaygroundState ensureRelay(PlaygroundState state, boolean wan) {
    PlaygroundState.Network net = state.network();
    state =
        state.with(
            new PlaygroundState.Network(
                wan, net.partitioned(), net.relayPid(), net.relayControlPort()));
    save(state);
    if (state.network().relayRunning()) {
      sync(state.network());
      return state;
    }
    state = state.with(startRelay(state.network()));
    save(state);
    out.progress(
        "  started the network relay (pid "
            + state.network().relayPid()
            + (wan ? ", round trips of SPEC §11)" : ", no delay)"));
    return state;
  }

  private PlaygroundState.Network startRelay(PlaygroundState.Network net) {
    Path portFile = dir().resolve(RelayProcess.PORT_FILE);
    try {
      Files.deleteIfExists(portFile);
      List<String> cmd = new ArrayList<>();
      cmd.add("setsid");
      cmd.add(dev.tako.cli.Dist.java());
      cmd.addAll(List.of("-Xms8m", "-Xmx48m", "-XX:+UseSerialGC", "-Xss512k"));
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(RelayProcess.class.getName());
      cmd.add(dir().toString());
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir().resolve("relay.log").toFile()));
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Process p = pb.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        if (Files.exists(portFile)) {
          int port = Integer.parseInt(Files.readString(portFile).trim());
          return new PlaygroundState.Network(net.wan(), net.partitioned(), p.pid(), port);
        }
        if (!p.isAlive()) {
          break;
        }
        Thread.sleep(100);
      }
      p.destroyForcibly();
      throw CliException.failed(
          "the playground's network relay did not start; its log: " + dir().resolve("relay.log"));
    } catch (IOException e) {
      throw CliException.failed("cannot start the network relay: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failed("interrupted");
    }
  }

  /** Tells the relay to re-read the state; returns once it confirms the change is applied. */
  private static void sync(PlaygroundState.Network net) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), net.relayControlPort()));
      s.setSoTimeout(40_000);
      s.getOutputStream().write("sync\n".getBytes(StandardCharsets.UTF_8));
      String answer =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
              .readLine();
      if (!"ok".equals(answer)) {
        throw CliException.failed("the network relay did not apply the change: " + answer);
      }
    } catch (IOException e) {
      throw CliException.failed("cannot reach the network relay: " + e.getMessage());
    }
  }

  /** Cuts {@code region} off from every other region and from the CLI. */
  public PlaygroundState partition(String region) {
    PlaygroundState state = requireRelay();
    if (state.servers().stream().noneMatch(n -> n.region().equals(region))) {
      throw CliException.usage("no playground node in region " + region);
    }
    Set<String> cut = new LinkedHashSet<>(state.network().partitioned());
    cut.add(region);
    return change(state, List.copyOf(cut));
  }

  /**
   * Restores the given regions (all when empty) and returns once an SSH endpoint behind each healed
   * relay answers the CLI again (its banner), so traffic demonstrably passes.
   */
  public PlaygroundState heal(List<String> regions) {
    PlaygroundState state = requireRelay();
    List<String> healed = regions.isEmpty() ? state.network().partitioned() : List.copyOf(regions);
    List<String> still = new ArrayList<>(state.network().partitioned());
    still.removeAll(healed);
    state = change(state, still);
    for (PlaygroundState.Node n : state.servers()) {
      if (healed.contains(n.region()) && n.running()) {
        awaitBanner(n);
      }
    }
    return state;
  }

  private PlaygroundState change(PlaygroundState state, List<String> partitioned) {
    PlaygroundState.Network net = state.network();
    state =
        state.with(
            new PlaygroundState.Network(
                net.wan(), partitioned, net.relayPid(), net.relayControlPort()));
    save(state);
    sync(state.network());
    return state;
  }

  private PlaygroundState requireRelay() {
    PlaygroundState state = load();
    if (!state.network().relayRunning()) {
      throw CliException.failed("the playground is not up (start it with: tako playground up)");
    }
    return state;
  }

  private static void awaitBanner(PlaygroundState.Node n) {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      s.connect(new InetSocketAddress(n.address(), n.sshRelayPort()), 5_000);
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      byte[] first = in.readNBytes(4);
      if (!"SSH-".equals(new String(first, StandardCharsets.US_ASCII))) {
        throw CliException.failed("node " + n.name() + " does not answer through its relay");
      }
    } catch (IOException e) {
      throw CliException.failed(
          "node " + n.name() + " does not answer through its relay: " + e.getMessage());
    }
  }

  /** Stops the relay process by pid (SIGTERM, then SIGKILL after 5 s). */
  public void stopRelay(PlaygroundState state) {
    long pid = state.network().relayPid();
    if (!state.network().relayRunning()) {
      return;
    }
    ProcessHandle.of(pid)
        .ifPresent(
            h -> {
              h.destroy();
              try {
                h.onExit().get(5, TimeUnit.SECONDS);
              } catch (Exception e) {
                h.destroyForcibly();
              }
            });
    out.progress("  stopped the network relay");
  }
}
