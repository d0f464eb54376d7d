package dev.tako.node.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.persistence.ArtifactStore;
import dev.tako.protocol.tls.CaFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node-to-node listener and its client for real, over loopback: an artifact crosses with its
 * SHA-256 checked, a certificate of another CA gets nothing, and a missing or corrupt artifact
 * leaves no file behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PeerTransferTest {

  private final ActorTestKit testKit = ActorTestKit.create();
  @TempDir static Path dir;
  private Path serverHome;
  private ArtifactStore store;
  private ServerBinding binding;
  private PeerAddress peer;

  @BeforeAll
  void listen() throws Exception {
    CaFiles.Ca ca = PeerTesting.ca(dir.resolve("ca"));
    serverHome = dir.resolve("server");
    PeerTesting.issue(ca, serverHome.resolve("tls"));
    PeerTesting.issue(ca, dir.resolve("client/tls"));
    CaFiles.Ca other = PeerTesting.ca(dir.resolve("other-ca"));
    PeerTesting.issue(other, dir.resolve("rogue/tls"));
    store = new ArtifactStore(serverHome);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    PeerSettings settings = settings("127.0.0.1", port);
    binding =
        PeerListener.bind(testKit.system(), settings, serverHome, store)
            .toCompletableFuture()
            .get(20, TimeUnit.SECONDS);
    peer = new PeerAddress("127.0.0.1", binding.localAddress().getPort());
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private static PeerSettings settings(String host, int port) {
    return new PeerSettings(
        host, port, port, "127.0.0.1", Duration.ofSeconds(5), Duration.ofSeconds(10));
  }

  private PeerClient client(String who) {
    return new PeerClient(settings("127.0.0.1", 0), dir.resolve(who).resolve("tls"));
  }

  @Test
  void anArtifactCrossesWithItsShaChecked() throws Exception {
    byte[] content = new byte[3 * 1024 * 1024 + 17];
    new Random(7).nextBytes(content);
    String sha = store(content);
    Path target = dir.resolve("client/artifacts").resolve(sha + ".tar.gz");

    long size = client("client").fetchArtifact(peer, sha, target);

    assertEquals(content.length, size);
    assertEquals(sha, sha256(Files.readAllBytes(target)));
    assertOnlyTarget(target);
  }

  @Test
  void aNodeOfAnotherCaGetsNothing() throws Exception {
    String sha = store("secret release".getBytes(StandardCharsets.UTF_8));
    Path target = dir.resolve("rogue/artifacts").resolve(sha + ".tar.gz");
    IOException e =
        assertThrows(IOException.class, () -> client("rogue").fetchArtifact(peer, sha, target));
    assertTrue(e.getMessage().contains(peer.toString()), e.getMessage());
    assertFalse(Files.exists(target));
  }

  @Test
  void aMissingArtifactIsA404AndLeavesNoFile() throws Exception {
    String sha = sha256("never stored".getBytes(StandardCharsets.UTF_8));
    Path target = dir.resolve("client/missing").resolve(sha + ".tar.gz");
    IOException e =
        assertThrows(IOException.class, () -> client("client").fetchArtifact(peer, sha, target));
    assertTrue(e.getMessage().contains("404"), e.getMessage());
    assertOnlyTarget(target);
    assertFalse(Files.exists(target));
  }

  @Test
  void aCorruptArtifactOnThePeerIsRefused() throws Exception {
    String sha = store("the real thing".getBytes(StandardCharsets.UTF_8));
    Files.writeString(store.artifact(sha), "tampered with");
    Path target = dir.resolve("client/corrupt").resolve(sha + ".tar.gz");
    IOException e =
        assertThrows(IOException.class, () -> client("client").fetchArtifact(peer, sha, target));
    assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
    assertFalse(Files.exists(target));
    assertOnlyTarget(target);
  }

  /** Nothing but the target (if any) in its directory: no temporary file stays behind. */
  private static void assertOnlyTarget(Path target) throws IOException {
    if (!Files.isDirectory(target.getParent())) {
      return;
    }
    try (Stream<Path> files = Files.list(target.getParent())) {
      assertTrue(files.allMatch(target::equals), "a temporary file was left behind");
    }
  }

  private String store(byte[] content) throws Exception {
    String sha = sha256(content);
    Files.createDirectories(store.artifact(sha).getParent());
    Files.write(store.artifact(sha), content);
    return sha;
  }

  private static String sha256(byte[] content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
  }
}
