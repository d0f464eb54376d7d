package dev.tako.cli.playground;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The playground's relay process ({@code java ... RelayProcess <playground dir>}), started detached
 * by {@code tako playground up} and stopped by pid on {@code down}. It runs one {@link WanRelay}
 * planned from {@code playground.json} and answers on a loopback control socket, whose port it
 * writes to {@code relay.port} once its listeners are bound: {@code sync} re-reads playground.json
 * (new nodes, --wan, partitions) and answers {@code ok} once applied, or {@code error: ...}. It
 * exits by itself when the playground directory is gone.
 */
public final class RelayProcess {
  static final String PORT_FILE = "relay.port";

  private RelayProcess() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Path stateFile = dir.resolve("playground.json");
    try (WanRelay relay = WanRelay.start();
        ServerSocket control = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
      relay.apply(plan(PlaygroundState.load(stateFile))).get(30, TimeUnit.SECONDS);
      Path tmp = dir.resolve(PORT_FILE + ".tmp");
      Files.writeString(tmp, String.valueOf(control.getLocalPort()));
      Files.move(tmp, dir.resolve(PORT_FILE), StandardCopyOption.ATOMIC_MOVE);
      control.setSoTimeout(5_000);
      while (Files.isDirectory(dir)) {
        try (Socket s = control.accept()) {
          s.setSoTimeout(10_000);
          String line =
              new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
                  .readLine();
          String answer = answer(line, relay, stateFile);
          OutputStream out = s.getOutputStream();
          out.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
        } catch (SocketTimeoutException e) {
          // only to look at the directory again
        }
      }
    }
  }

  private static String answer(String line, WanRelay relay, Path stateFile) {
    if ("ping".equals(line)) {
      return "ok";
    }
    if (!"sync".equals(line)) {
      return "error: unknown command " + line;
    }
    try {
      relay.apply(plan(PlaygroundState.load(stateFile))).get(30, TimeUnit.SECONDS);
      return "ok";
    } catch (Exception e) {
      return "error: " + e.getMessage();
    }
  }

  /**
   * The relays a playground needs: for each node with an address, its Artery relay ({@code
   * address:clusterRelayPort} to {@code address:clusterPort}) and its SSH relay ({@code
   * address:sshRelayPort} to {@code 127.0.0.1:sshPort}) and the relay of its node-to-node listener
   * ({@code address:peerRelayPort} to {@code address:peerPort}); each node's address names its
   * region.
   */
  static WanRelay.Plan plan(PlaygroundState state) throws IOException {
    List<WanRelay.Route> routes = new ArrayList<>();
    Map<InetAddress, String> sources = new HashMap<>();
    for (PlaygroundState.Node n : state.servers()) {
      if (n.address() == null) {
        continue; // recorded before relays existed
      }
      InetAddress address = InetAddress.getByName(n.address());
      sources.put(address, n.region());
      routes.add(
          new WanRelay.Route(
              new InetSocketAddress(address, n.clusterRelayPort()),
              new InetSocketAddress(address, n.clusterPort()),
              n.region()));
      routes.add(
          new WanRelay.Route(
              new InetSocketAddress(address, n.sshRelayPort()),
              new InetSocketAddress(InetAddress.getLoopbackAddress(), n.sshPort()),
              n.region()));
      if (n.peerPort() > 0) {
        routes.add(
            new WanRelay.Route(
                new InetSocketAddress(address, n.peerRelayPort()),
                new InetSocketAddress(address, n.peerPort()),
                n.region()));
      }
    }
    PlaygroundState.Network net = state.network();
    return new WanRelay.Plan(routes, sources, net.wan(), new HashSet<>(net.partitioned()));
  }
}
