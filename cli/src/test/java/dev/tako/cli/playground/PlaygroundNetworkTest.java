package dev.tako.cli.playground;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.cli.CliException;
import dev.tako.cli.Output;
import dev.tako.cli.TakoHome;
import dev.tako.protocol.config.NodeConf;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The playground's addresses and node.conf behind the relays, and the relay process itself. */
class PlaygroundNetworkTest {
  @TempDir Path dir;

  private static PlaygroundState.Node node(String name, String address, int sshPort) {
    return new PlaygroundState.Node(
        name,
        name,
        0,
        "/pg/" + name,
        sshPort,
        9801,
        8001,
        8401,
        9101,
        25501,
        address,
        25601,
        2301,
        25701,
        25801);
  }

  @Test
  void eachNodeGetsTheLowestFreeLoopbackAddressAfterTheClis() {
    PlaygroundState none = new PlaygroundState(List.of());
    assertEquals("127.0.0.2", PlaygroundNetwork.nextAddress(none));
    PlaygroundState two = none.with(node("la", "127.0.0.2", 1)).with(node("fra", "127.0.0.4", 1));
    assertEquals("127.0.0.3", PlaygroundNetwork.nextAddress(two));
  }

  @Test
  void peersDialTheRelayAndTheNodeBindsBehindItOnItsOwnAddress() {
    PlaygroundState.Node n = node("nyc", "127.0.0.3", 2201);
    assertEquals("127.0.0.3:25601", PlaygroundNetwork.canonical(n));
    // as Playground.writeNodeConf renders it
    String conf =
        new NodeConf(
                "nyc",
                "nyc",
                "127.0.0.1",
                "127.0.0.1",
                9801,
                8001,
                8401,
                9101,
                2201,
                n.address(),
                n.clusterRelayPort(),
                List.of(PlaygroundNetwork.canonical(n)),
                PlaygroundNetwork.nodeConfBlock(n))
            .render();
    assertTrue(conf.contains("cluster.host = \"127.0.0.3\"\n  cluster.port = 25601\n"), conf);
    assertTrue(conf.contains("cluster.seeds = [\"127.0.0.3:25601\"]"), conf);
    assertTrue(conf.contains("pekko.remote.artery.bind.hostname = \"127.0.0.3\"\n"), conf);
    assertTrue(conf.contains("pekko.remote.artery.bind.port = 25501\n"), conf);
    assertTrue(
        conf.contains(
            "pekko.remote.artery.advanced.tcp.outbound-client-hostname = \"127.0.0.3\"\n"),
        conf);
    // The node-to-node listener: bound behind its relay, advertising the relay, dialing out from
    // the node's own address.
    assertTrue(
        conf.contains(
            "tako.peer { bind-host = \"127.0.0.3\", port = 25701, advertised-port = 25801,"
                + " outbound-host = \"127.0.0.3\" }\n"),
        conf);
  }

  @Test
  void theRelayPlanPutsArteryAndSshOfEachNodeBehindItsAddress() throws Exception {
    PlaygroundState state =
        new PlaygroundState(
            List.of(
                node("la", "127.0.0.2", 2201),
                node("old", null, 2202), // from before relays: not relayed
                node("nyc", "127.0.0.3", 2203)),
            new PlaygroundState.Network(true, List.of("nyc"), 0, 0));
    WanRelay.Plan plan = RelayProcess.plan(state);
    InetAddress nyc = InetAddress.getByName("127.0.0.3");
    assertEquals(6, plan.routes().size());
    assertEquals(
        new WanRelay.Route(
            new InetSocketAddress(nyc, 25601), new InetSocketAddress(nyc, 25501), "nyc"),
        plan.routes().get(3));
    assertEquals(
        new WanRelay.Route(
            new InetSocketAddress(nyc, 2301),
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 2203),
            "nyc"),
        plan.routes().get(4));
    assertEquals(
        new WanRelay.Route(
            new InetSocketAddress(nyc, 25801), new InetSocketAddress(nyc, 25701), "nyc"),
        plan.routes().get(5));
    assertEquals("nyc", plan.sources().get(nyc));
    assertTrue(plan.wan());
    assertEquals(Set.of("nyc"), plan.partitioned());
  }

  @Test
  void networkStateSurvivesSaveAndLoad() throws Exception {
    PlaygroundState state =
        new PlaygroundState(
            List.of(node("la", "127.0.0.2", 2201)),
            new PlaygroundState.Network(true, List.of("la"), 42, 4242));
    Path file = dir.resolve("playground.json");
    state.save(file);
    assertEquals(state, PlaygroundState.load(file));
    Files.writeString(file, "{\"servers\": []}");
    assertEquals(PlaygroundState.Network.NONE, PlaygroundState.load(file).network());
  }

  /** A stand-in for a node's SSH endpoint: sends a banner to whoever connects. */
  private static ServerSocket fakeSsh() throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                  s.getOutputStream().write("SSH-2.0-fake\r\n".getBytes(StandardCharsets.US_ASCII));
                  s.getInputStream().read();
                } catch (IOException e) {
                  // next
                }
              }
            });
    t.setDaemon(true);
    t.start();
    return server;
  }

  private static int freePort(String on) throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(on))) {
      return s.getLocalPort();
    }
  }

  private static String banner(PlaygroundState.Node n, int timeoutMillis) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(n.address(), n.sshRelayPort()), 2_000);
      s.setSoTimeout(timeoutMillis);
      InputStream in = s.getInputStream();
      return new String(in.readNBytes(4), StandardCharsets.US_ASCII);
    }
  }

  @Test
  void theRelayProcessPartitionsHealsAndStopsByPid() throws Exception {
    TakoHome home = new TakoHome(dir);
    PlaygroundNetwork network = new PlaygroundNetwork(home, new Output(false));
    try (ServerSocket ssh = fakeSsh()) {
      PlaygroundState.Node nyc =
          new PlaygroundState.Node(
              "nyc",
              "nyc",
              ProcessHandle.current().pid(),
              dir.toString(),
              ssh.getLocalPort(),
              1,
              2,
              3,
              4,
              freePort("127.0.0.7"),
              "127.0.0.7",
              freePort("127.0.0.7"),
              freePort("127.0.0.7"),
              0,
              0);
      PlaygroundState state = network.ensureRelay(new PlaygroundState(List.of(nyc)), false);
      try {
        assertTrue(state.network().relayRunning());
        assertEquals("SSH-", banner(nyc, 5_000));
        assertEquals(state, PlaygroundState.load(home.playground().resolve("playground.json")));

        state = network.partition("nyc");
        assertEquals(List.of("nyc"), state.network().partitioned());
        assertThrows(SocketTimeoutException.class, () -> banner(nyc, 700), "hangs, not refused");
        assertThrows(CliException.class, () -> network.partition("mars"));

        state = network.heal(List.of()); // returns once the banner passes again
        assertEquals(List.of(), state.network().partitioned());
        assertEquals("SSH-", banner(nyc, 5_000));

        // up again, now with --wan: the same relay, told to re-read the state
        long pid = state.network().relayPid();
        state = network.ensureRelay(state, true);
        assertEquals(pid, state.network().relayPid());
        assertTrue(state.network().wan());
        long start = System.nanoTime();
        assertEquals("SSH-", banner(nyc, 5_000)); // la-nyc: the banner takes half a round trip
        assertTrue((System.nanoTime() - start) / 1_000_000 >= 34);
      } finally {
        network.stopRelay(state);
      }
      assertFalse(state.network().relayRunning());
    }
  }
}
