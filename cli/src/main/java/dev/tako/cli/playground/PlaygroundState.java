package dev.tako.cli.playground;

import com.fasterxml.jackson.databind.ObjectMapper;
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
 * servers.
 */
public record PlaygroundState(List<Node> servers) {
  public PlaygroundState {
    servers = List.copyOf(servers);
  }

  /** One local node. */
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
      int clusterPort) {
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
          clusterPort);
    }

    public boolean running() {
      return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
  }

  private static final ObjectMapper MAPPER = Json.lenient();

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
    return new PlaygroundState(out);
  }
}
