package dev.tako.node.converge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.persistence.ArtifactStore;
import dev.tako.protocol.api.DeployRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An artifact through a stream ref into another store: the bytes arrive whole, a wrong SHA-256 is
 * refused and leaves nothing, and the offer (with its stream ref) survives the cluster's Jackson
 * serialization.
 */
class ArtifactTransferTest {
  private static final ActorTestKit KIT =
      ActorTestKit.create(
          dev.tako.node.NodeTesting.localConfig(
              dev.tako.node.NodeTesting.tempDir("transfer-snapshots")));

  @TempDir Path from;
  @TempDir Path to;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private String stored(byte[] bytes) throws Exception {
    String sha = ArtifactTransfer.sha256(write(bytes));
    Path artifact = new ArtifactStore(from).artifact(sha);
    Files.createDirectories(artifact.getParent());
    Files.write(artifact, bytes);
    return sha;
  }

  private Path write(byte[] bytes) throws Exception {
    Path tmp = Files.createTempFile(from, "a", ".bin");
    Files.write(tmp, bytes);
    return tmp;
  }

  private SourceRef<ByteString> offer(String sha, Materializer mat) throws Exception {
    return ArtifactTransfer.offer(new ArtifactStore(from), sha, mat)
        .toCompletableFuture()
        .get(5, TimeUnit.SECONDS);
  }

  @Test
  void theBytesArriveWholeAndChecked() throws Exception {
    byte[] bytes = new byte[3 * 1024 * 1024 + 17];
    new Random(7).nextBytes(bytes);
    String sha = stored(bytes);
    Materializer mat = Materializer.matFromSystem(KIT.system());
    var ref = offer(sha, mat);
    ArtifactStore target = new ArtifactStore(to);
    Path got =
        ArtifactTransfer.receive(ref, target, sha, mat, Runnable::run)
            .toCompletableFuture()
            .get(20, TimeUnit.SECONDS);
    assertArrayEquals(bytes, Files.readAllBytes(got));
    assertTrue(target.has(sha));
  }

  @Test
  void aWrongDigestIsRefusedAndLeavesNothing() throws Exception {
    String sha = stored("the real artifact".getBytes());
    String other = ArtifactTransfer.sha256(write("another artifact".getBytes()));
    Materializer mat = Materializer.matFromSystem(KIT.system());
    var ref = offer(sha, mat);
    ArtifactStore target = new ArtifactStore(to);
    var failed =
        assertThrows(
            ExecutionException.class,
            () ->
                ArtifactTransfer.receive(ref, target, other, mat, Runnable::run)
                    .toCompletableFuture()
                    .get(20, TimeUnit.SECONDS));
    assertTrue(String.valueOf(failed.getCause()).contains("SHA-256"), failed::toString);
    assertFalse(target.has(other));
    try (var files = Files.list(to.resolve("artifacts"))) {
      assertTrue(files.findAny().isEmpty(), "no part file is left");
    }
  }

  @Test
  void anOfferWithItsStreamRefSurvivesSerialization() throws Exception {
    String sha = stored("bytes".getBytes());
    Materializer mat = Materializer.matFromSystem(KIT.system());
    var ref = offer(sha, mat);
    var request =
        new DeployRequest(
            "web",
            "prod",
            "r1",
            sha,
            List.of("node", "server.js"),
            "/",
            1,
            "5m",
            null,
            Map.of(),
            List.of(),
            List.of("la"),
            "atomic",
            null,
            null,
            null,
            null,
            "me@laptop",
            "2026-01-01T00:00:00Z");
    var offer = new PeerMessages.ArtifactOffer("la", request, ref, null);
    var serialization = SerializationExtension.get(KIT.system().classicSystem());
    byte[] bytes = serialization.serialize(offer).get();
    var serializer = serialization.findSerializerFor(offer);
    var back =
        (PeerMessages.ArtifactOffer)
            serialization
                .deserialize(
                    bytes,
                    serializer.identifier(),
                    org.apache.pekko.serialization.Serializers.manifestFor(serializer, offer))
                .get();
    ArtifactStore target = new ArtifactStore(to);
    Path got =
        ArtifactTransfer.receive(back.source(), target, sha, mat, Runnable::run)
            .toCompletableFuture()
            .get(20, TimeUnit.SECONDS);
    assertArrayEquals("bytes".getBytes(), Files.readAllBytes(got));
  }
}
