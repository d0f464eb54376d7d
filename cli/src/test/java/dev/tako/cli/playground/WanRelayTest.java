package dev.tako.cli.playground;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The relay on real sockets: nodes on 127.0.0.2 (nyc) and 127.0.0.3 (fra), the CLI on .1. */
class WanRelayTest {
  private static final InetAddress NYC = address("127.0.0.2");
  private static final InetAddress FRA = address("127.0.0.3");
  private static final Map<InetAddress, String> SOURCES = Map.of(NYC, "nyc", FRA, "fra");

  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final List<ServerSocket> servers = new ArrayList<>();
  private WanRelay relay;

  @BeforeEach
  void start() throws IOException {
    relay = WanRelay.start();
  }

  @AfterEach
  void stop() throws IOException {
    relay.close();
    for (ServerSocket s : servers) {
      s.close();
    }
    pool.shutdownNow();
  }

  private static InetAddress address(String a) {
    try {
      return InetAddress.getByName(a);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int freePort(InetAddress on) throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, on)) {
      return s.getLocalPort();
    }
  }

  /** A server on {@code on} that runs {@code handler} on each connection. */
  private InetSocketAddress serve(InetAddress on, Handler handler) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, on);
    servers.add(server);
    pool.submit(
        () -> {
          while (!server.isClosed()) {
            Socket s = server.accept();
            pool.submit(
                () -> {
                  try (s) {
                    handler.handle(s);
                  }
                  return null;
                });
          }
          return null;
        });
    return new InetSocketAddress(on, server.getLocalPort());
  }

  interface Handler {
    void handle(Socket s) throws Exception;
  }

  private static void echo(Socket s) throws IOException {
    s.getInputStream().transferTo(s.getOutputStream());
  }

  private WanRelay.Route route(InetAddress on, InetSocketAddress target, String region)
      throws IOException {
    return new WanRelay.Route(new InetSocketAddress(on, freePort(on)), target, region);
  }

  private static Socket dial(InetAddress from, InetSocketAddress to) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(from, 0));
    s.connect(to, 2_000);
    s.setTcpNoDelay(true);
    s.setSoTimeout(5_000);
    return s;
  }

  private static long roundTripMillis(Socket s) throws IOException {
    long start = System.nanoTime();
    s.getOutputStream().write(7);
    assertEquals(7, s.getInputStream().read());
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static long best(Socket s, int times) throws IOException {
    long best = Long.MAX_VALUE;
    for (int i = 0; i < times; i++) {
      best = Math.min(best, roundTripMillis(s));
    }
    return best;
  }

  @Test
  void aRoundTripThroughTwoNodesRelaysCostsTheTablesValue() throws Exception {
    // As Artery does: nyc sends over its own connection to fra's relay (from nyc's address), fra
    // answers over its own connection to nyc's relay (from fra's address).
    BlockingQueue<Integer> arrivedAtNyc = new LinkedBlockingQueue<>();
    WanRelay.Route nycRelay =
        route(
            NYC,
            serve(
                NYC,
                s -> {
                  int b;
                  while ((b = s.getInputStream().read()) >= 0) {
                    arrivedAtNyc.add(b);
                  }
                }),
            "nyc");
    WanRelay.Route fraRelay =
        route(
            FRA,
            serve(
                FRA,
                s -> {
                  try (Socket fraOut = dial(FRA, nycRelay.listen())) {
                    int b;
                    while ((b = s.getInputStream().read()) >= 0) {
                      fraOut.getOutputStream().write(b);
                    }
                  }
                }),
            "fra");
    relay.apply(new WanRelay.Plan(List.of(nycRelay, fraRelay), SOURCES, true, Set.of())).get();
    try (Socket nycOut = dial(NYC, fraRelay.listen())) {
      long best = Long.MAX_VALUE;
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        nycOut.getOutputStream().write(i);
        assertEquals(i, arrivedAtNyc.poll(5, TimeUnit.SECONDS));
        best = Math.min(best, (System.nanoTime() - start) / 1_000_000);
      }
      assertTrue(best >= 79 && best < 80 + 60, "the nyc-fra round trip: " + best);
    }
  }

  @Test
  void theCliIsInLaAndWithoutWanNothingIsDelayed() throws Exception {
    WanRelay.Route fra = route(FRA, serve(FRA, WanRelayTest::echo), "fra");
    relay.apply(new WanRelay.Plan(List.of(fra), SOURCES, true, Set.of())).get();
    try (Socket cli = dial(InetAddress.getLoopbackAddress(), fra.listen())) {
      long best = best(cli, 5);
      assertTrue(best >= 148 && best < 150 + 70, "la-fra: " + best);
      relay.apply(new WanRelay.Plan(List.of(fra), SOURCES, false, Set.of())).get();
      assertTrue(best(cli, 5) < 50, "no --wan: no delay");
    }
  }

  @Test
  void concurrentConnectionsKeepTheirByteOrderAndDoNotWaitOnEachOther() throws Exception {
    WanRelay.Route fra = route(FRA, serve(FRA, WanRelayTest::echo), "fra");
    relay.apply(new WanRelay.Plan(List.of(fra), SOURCES, true, Set.of())).get();
    List<Future<Long>> runs = new ArrayList<>();
    for (int c = 0; c < 8; c++) {
      int seed = c;
      runs.add(
          pool.submit(
              () -> {
                byte[] sent = new byte[300_000];
                for (int i = 0; i < sent.length; i++) {
                  sent[i] = (byte) (i * 31 + seed);
                }
                long start = System.nanoTime();
                try (Socket s = dial(NYC, fra.listen())) {
                  Future<?> writer =
                      pool.submit(
                          () -> {
                            OutputStream out = s.getOutputStream();
                            for (int i = 0; i < sent.length; i += 1000) {
                              out.write(sent, i, 1000);
                            }
                            s.shutdownOutput();
                            return null;
                          });
                  byte[] got = s.getInputStream().readAllBytes();
                  writer.get();
                  assertArrayEquals(sent, got, "connection " + seed);
                }
                return (System.nanoTime() - start) / 1_000_000;
              }));
    }
    for (Future<Long> run : runs) {
      // alone, each takes about one nyc-fra round trip plus transfer; in a queue, 8 times that
      assertTrue(run.get(30, TimeUnit.SECONDS) < 3_000, "connections waited on each other");
    }
  }

  @Test
  void aPartitionHoldsConnectionsOpenAndHealLetsTrafficPassAgain() throws Exception {
    WanRelay.Route nyc = route(NYC, serve(NYC, WanRelayTest::echo), "nyc");
    WanRelay.Route fra = route(FRA, serve(FRA, WanRelayTest::echo), "fra");
    WanRelay.Plan open = new WanRelay.Plan(List.of(nyc, fra), SOURCES, false, Set.of());
    relay.apply(open).get();
    try (Socket before = dial(InetAddress.getLoopbackAddress(), nyc.listen());
        Socket other = dial(InetAddress.getLoopbackAddress(), fra.listen())) {
      roundTripMillis(before);
      relay.apply(new WanRelay.Plan(List.of(nyc, fra), SOURCES, false, Set.of("nyc"))).get();

      before.setSoTimeout(700);
      before.getOutputStream().write(1);
      assertThrows(SocketTimeoutException.class, () -> before.getInputStream().read());
      assertTrue(before.isConnected() && !before.isClosed());
      // accepted, not refused, and silent
      Socket during = dial(InetAddress.getLoopbackAddress(), nyc.listen());
      during.setSoTimeout(700);
      during.getOutputStream().write(2);
      assertThrows(SocketTimeoutException.class, () -> during.getInputStream().read());
      // nyc's node cannot reach fra either; the CLI still reaches fra
      try (Socket nycToFra = dial(NYC, fra.listen())) {
        nycToFra.setSoTimeout(500);
        nycToFra.getOutputStream().write(3);
        assertThrows(SocketTimeoutException.class, () -> nycToFra.getInputStream().read());
      }
      assertTrue(roundTripMillis(other) < 1_000, "fra is not cut off from the CLI");

      relay.apply(open).get(); // heal
      before.setSoTimeout(5_000);
      during.setSoTimeout(5_000);
      assertEquals(1, before.getInputStream().read(), "held bytes arrive, in order");
      assertEquals(2, during.getInputStream().read());
      roundTripMillis(before);
      roundTripMillis(during);
      during.close();
      try (Socket after = dial(InetAddress.getLoopbackAddress(), nyc.listen())) {
        roundTripMillis(after);
      }
    }
  }

  @Test
  void aListenerThatCannotBindFailsApplyButThePartitionStillTakesEffect() throws Exception {
    WanRelay.Route fra = route(FRA, serve(FRA, WanRelayTest::echo), "fra");
    relay.apply(new WanRelay.Plan(List.of(fra), SOURCES, false, Set.of())).get();
    try (ServerSocket taken = new ServerSocket(0, 1, NYC);
        Socket cli = dial(InetAddress.getLoopbackAddress(), fra.listen())) {
      WanRelay.Route nyc =
          new WanRelay.Route(new InetSocketAddress(NYC, taken.getLocalPort()), fra.target(), "nyc");
      WanRelay.Plan cut = new WanRelay.Plan(List.of(fra, nyc), SOURCES, false, Set.of("fra"));
      ExecutionException e = assertThrows(ExecutionException.class, () -> relay.apply(cut).get());
      assertTrue(e.getCause().getMessage().contains("cannot listen on"), e.getMessage());
      cli.setSoTimeout(500);
      cli.getOutputStream().write(1);
      assertThrows(SocketTimeoutException.class, () -> cli.getInputStream().read());
    }
  }

  @Test
  void aClosedSideClosesTheOtherAfterItsBytes() throws Exception {
    WanRelay.Route fra =
        route(
            FRA,
            serve(
                FRA,
                s -> {
                  s.getOutputStream().write("bye".getBytes());
                }),
            "fra");
    relay.apply(new WanRelay.Plan(List.of(fra), SOURCES, true, Set.of())).get();
    try (Socket s = dial(NYC, fra.listen())) {
      assertEquals("bye", new String(s.getInputStream().readAllBytes()));
    }
  }
}
