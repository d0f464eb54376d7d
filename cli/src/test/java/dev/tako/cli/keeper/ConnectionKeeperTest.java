package dev.tako.cli.keeper;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.tako.cli.CliException;
import dev.tako.cli.NodeClient;
import dev.tako.cli.Output;
import dev.tako.cli.TakoHome;
import dev.tako.cli.ssh.HostKeyPolicy;
import dev.tako.cli.ssh.KeyFiles;
import dev.tako.cli.ssh.Ssh;
import dev.tako.cli.ssh.TestSshServer;
import dev.tako.protocol.config.Inventory;
import dev.tako.protocol.config.ServerEntry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real keeper (in this JVM, on its Unix socket) in front of a real SSH server (Apache MINA, SFTP
 * and forwarding as a node's) and a real HTTP "node API" behind it: a command's API call goes
 * through the kept connection, a burst reuses one SSH login, a changed host key is refused, and the
 * keeper goes away when told to or when its socket disappears.
 */
class ConnectionKeeperTest {
  @TempDir Path dir;
  private TestSshServer ssh;
  private HttpServer api;
  private Thread keeperThread;
  private final AtomicInteger apiCalls = new AtomicInteger();

  @AfterEach
  void stop() throws Exception {
    if (keeperThread != null) {
      Files.deleteIfExists(ConnectionKeeper.socket(home()));
      keeperThread.join(10_000);
    }
    if (ssh != null) {
      ssh.close();
    }
    if (api != null) {
      api.stop(0);
    }
  }

  private TakoHome home() {
    return new TakoHome(dir.resolve("home"));
  }

  private ServerEntry setUp() throws Exception {
    Files.createDirectories(home().dir());
    ssh = TestSshServer.start(dir);
    Files.writeString(ssh.root.resolve("admin.token"), "s3cret\n");
    api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
    api.createContext(
        "/v1/status",
        exchange -> {
          apiCalls.incrementAndGet();
          boolean ok =
              "Bearer s3cret".equals(exchange.getRequestHeaders().getFirst("Authorization"));
          byte[] body =
              (ok ? "{\"answer\": \"from the node\"}" : "{\"error\": \"who are you\"}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(ok ? 200 : 401, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    api.start();
    // The host key recorded in the home's known_hosts, as `servers add --accept-new-host-key` does.
    Ssh.connect(ssh.target(home().knownHosts()), HostKeyPolicy.ACCEPT_NEW).close();
    ServerEntry entry =
        new ServerEntry(
            "la",
            "127.0.0.1",
            ssh.port(),
            "tako",
            "la",
            "/",
            api.getAddress().getPort(),
            80,
            443,
            dir.resolve("client.key").toString());
    Inventory.empty().with(entry).save(home().inventory());
    return entry;
  }

  private void startKeeper() {
    ConnectionKeeper keeper = new ConnectionKeeper(home());
    keeperThread =
        new Thread(
            () -> {
              try {
                keeper.run(new String[] {"la"});
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            },
            "test-keeper");
    keeperThread.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> keeper().running());
  }

  private Keeper keeper() {
    return Keeper.of(home()).orElseThrow();
  }

  @Test
  void commandsGoThroughOneKeptConnectionOnlyTheOwnerCanReach() throws Exception {
    ServerEntry entry = setUp();
    startKeeper();
    Path socket = ConnectionKeeper.socket(home());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    assertEquals(
        "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));

    NodeClient.Tunnel first = keeper().tunnel("la").orElseThrow();
    assertEquals("s3cret", first.token());
    for (int i = 0; i < 3; i++) {
      try (NodeClient c = NodeClient.connectAny(List.of(entry), home(), new Output(true))) {
        assertEquals(
            Map.of("answer", "from the node"),
            c.get("/v1/status", Map.class, Duration.ofSeconds(10)));
      }
    }
    assertEquals(3, apiCalls.get());
    // One connection and its forward served them all.
    assertEquals(first, keeper().tunnel("la").orElseThrow());

    // A deploy's upload over the kept connection, skipped when the server has the file.
    byte[] artifact = new byte[3 * 1024 * 1024 + 5];
    new java.util.Random(7).nextBytes(artifact);
    Path local = Files.write(dir.resolve("a.tar.gz"), artifact);
    try (NodeClient c = NodeClient.connectKept(entry, home(), false)) {
      java.util.concurrent.atomic.AtomicLong progress =
          new java.util.concurrent.atomic.AtomicLong();
      assertTrue(c.uploadIfMissing(local, "/artifacts/abc.tar.gz", progress::set));
      assertTrue(progress.get() > 0 && progress.get() <= artifact.length, "progress " + progress);
      assertFalse(c.uploadIfMissing(local, "/artifacts/abc.tar.gz", n -> {}));
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(
        artifact, Files.readAllBytes(ssh.root.resolve("artifacts/abc.tar.gz")));
    assertEquals(first, keeper().tunnel("la").orElseThrow(), "still the one connection");

    CliException unknown = assertThrows(CliException.class, () -> keeper().tunnel("nope"));
    assertEquals(CliException.USAGE, unknown.exitCode());
    assertTrue(unknown.getMessage().contains("nope"), unknown.getMessage());
  }

  @Test
  void aConnectionInUseIsNeverClosedUnderTheCommandUsingIt() throws Exception {
    setUp();
    startKeeper();
    int heldPort;
    try (Keeper.Held held = keeper().hold("la").orElseThrow()) {
      heldPort = held.tunnel().port();
      // Another command gives up on the connection (as when its probe or a GET failed).
      keeper().drop("la");
      NodeClient.Tunnel fresh = keeper().tunnel("la").orElseThrow();
      assertTrue(fresh.port() != held.tunnel().port(), "a new connection for the next command");
      assertEquals(200, status(held.tunnel().port()), "the held one still works");
    }
    // Released: the retired connection and its forward close; the new one serves.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              try (java.net.Socket probe = new java.net.Socket("127.0.0.1", heldPort)) {
                return false;
              } catch (java.io.IOException e) {
                return true;
              }
            });
    assertEquals(200, status(keeper().tunnel("la").orElseThrow().port()));
  }

  private static int status(int port) throws Exception {
    var c =
        (java.net.HttpURLConnection)
            new java.net.URL("http://127.0.0.1:" + port + "/v1/status").openConnection();
    c.setRequestProperty("Authorization", "Bearer s3cret");
    try {
      return c.getResponseCode();
    } finally {
      c.disconnect();
    }
  }

  @Test
  void aServerWhoseHostKeyChangedIsRefusedAlsoAfterAKeptConnection() throws Exception {
    setUp();
    startKeeper();
    keeper().tunnel("la").orElseThrow();
    int port = ssh.port();
    ssh.close();
    // The same address now answers with another host key (a reinstalled or a different machine).
    Path otherKey = dir.resolve("other-host.key");
    KeyFiles.writePrivateKey(otherKey, KeyFiles.generateRsa().getPrivate());
    ssh = TestSshServer.start(dir, otherKey, port);

    CliException e = assertThrows(CliException.class, () -> keeper().tunnel("la"));
    assertEquals(CliException.UNREACHABLE, e.exitCode());
    assertTrue(e.getMessage().contains("CHANGED"), e.getMessage());
  }

  @Test
  void itEndsWhenToldToAndWhenItsSocketDisappears() throws Exception {
    setUp();
    startKeeper();
    Keeper.stop(home());
    keeperThread.join(10_000);
    assertFalse(keeperThread.isAlive());
    assertFalse(Files.exists(ConnectionKeeper.socket(home())));

    startKeeper();
    Files.delete(ConnectionKeeper.socket(home()));
    keeperThread.join(10_000);
    assertFalse(keeperThread.isAlive());
    assertTrue(keeper().tunnel("la").isEmpty(), "no keeper: the command connects by itself");
  }
}
