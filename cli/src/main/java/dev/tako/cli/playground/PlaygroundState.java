package dev.tako.cli.playground;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tako.cli.CliException;
import dev.tako.cli.TakoHome;
import dev.tako.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The playground's own record ({@code $TAKO_HOME/playground/playground.json}): which local nodes
 * exist, their homes, ports and last pid. The server inventory is kept separately, as for real
 * servers. {@link Network} is the relay process's part: whether round trips are on, which regions
 * are cut off, and the relay's pid and control port.
 */
public record PlaygroundState(List<Node> servers, Network network) {
  public PlaygroundState {
    servers = List.copyOf(servers);
    network = network == null ? Network.NONE : network;
  }

  public PlaygroundState(List<Node> servers) {
    this(servers, Network.NONE);
  }

  /**
   * The playground's network (see {@link PlaygroundNetwork}): {@code wan} turns the round-trip
   * table on, {@code partitioned} lists the regions cut off, the relay runs as {@code relayPid} and
   * answers on {@code 127.0.0.1:relayControlPort}.
   */
  public record Network(
      boolean wan, List<String> partitioned, long relayPid, int relayControlPort) {
    public static final Network NONE = new Network(false, List.of(), 0, 0);

    public Network {
      partitioned = partitioned == null ? List.of() : List.copyOf(partitioned);
    }

    public boolean relayRunning() {
      return relayPid > 0 && ProcessHandle.of(relayPid).map(ProcessHandle::isAlive).orElse(false);
    }
  }

  public PlaygroundState with(Network newNetwork) {
    return new PlaygroundState(servers, newNetwork);
  }

  /**
   * One local node. {@code address} (127.0.0.N) is its own loopback address: its Artery binds
   * {@code address:clusterPort} and dials out from it; peers dial the relay at {@code
   * address:clusterRelayPort}, the CLI's SSH the relay at {@code address:sshRelayPort} (in front of
   * the node's {@code 127.0.0.1:sshPort}); its node-to-node listener binds {@code address:peerPort}
   * behind the relay at {@code address:peerRelayPort}. A node recorded before relays existed has no
   * address; one recorded before the node-to-node listener has peer ports 0.
   */
  public record Node(
      String name,
      String region,
      long pid,
      String home,
      int sshPort,
      int apiPort,
      int proxyPort,
      int httpsPort,
      int metricsPort,
      int clusterPort,
      String address,
      int clusterRelayPort,
      int sshRelayPort,
      int peerPort,
      int peerRelayPort) {
    public Node withPid(long newPid) {
      return new Node(
          name,
          region,
          newPid,
          home,
          sshPort,
          apiPort,
          proxyPort,
          httpsPort,
          metricsPort,
          clusterPort,
          address,
          clusterRelayPort,
          sshRelayPort,
          peerPort,
          peerRelayPort);
    }

    public boolean running() {
      return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
  }

  private static final ObjectMapper MAPPER = Json.lenient();

  /** The playground of a Tako home; fails with a CliException when its file cannot be read. */
  public static PlaygroundState of(TakoHome home) {
    Path file = file(home);
    try {
      return load(file);
    } catch (IOException e) {
      throw CliException.failed("cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Saves this as the playground of a Tako home; fails with a CliException. */
  public void saveTo(TakoHome home) {
    Path file = file(home);
    try {
      save(file);
    } catch (IOException e) {
      throw CliException.failed("cannot write " + file + ": " + e.getMessage());
    }
  }

  private static Path file(TakoHome home) {
    return home.playground().resolve("playground.json");
  }

  public static PlaygroundState load(Path file) throws IOException {
    if (!Files.exists(file)) {
      return new PlaygroundState(List.of());
    }
    return MAPPER.readValue(file.toFile(), PlaygroundState.class);
  }

  public void save(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(this));
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  public Optional<Node> node(String name) {
    return servers.stream().filter(n -> n.name().equals(name)).findFirst();
  }

  /** This playground without the node {@code name}. */
  public PlaygroundState without(String name) {
    return new PlaygroundState(
        servers.stream().filter(n -> !n.name().equals(name)).toList(), network);
  }

  public PlaygroundState with(Node node) {
    List<Node> out = new ArrayList<>();
    boolean replaced = false;
    for (Node n : servers) {
      if (n.name().equals(node.name())) {
        out.add(node);
        replaced = true;
      } else {
        out.add(n);
      }
    }
    if (!replaced) {
      out.add(node);
    }
    return new PlaygroundState(out, network);
  }
}
