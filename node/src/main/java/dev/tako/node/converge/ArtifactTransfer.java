package dev.tako.node.converge;

import dev.tako.persistence.ArtifactStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.util.ByteString;

/**
 * An artifact between two nodes, as a Pekko Streams {@link SourceRef}: the holder offers its file,
 * the catching-up node pulls it over Artery (the cluster's mutual TLS, with its back-pressure) into
 * a temporary file beside the store's artifacts, checks the SHA-256 the head names and only then
 * moves it into place, so a broken or forged transfer never becomes an artifact. A failure is a
 * failed stage with the reason.
 */
final class ArtifactTransfer {
  private ArtifactTransfer() {}

  /** A stream of the stored artifact for one peer (it must subscribe within the ref's timeout). */
  static CompletionStage<SourceRef<ByteString>> offer(
      ArtifactStore store, String sha, Materializer mat) {
    try {
      return CompletableFuture.completedFuture(
          FileIO.fromPath(store.artifact(sha)).runWith(StreamRefs.sourceRef(), mat));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Pulls the offered bytes, verifies them against {@code sha}, then stores the artifact. */
  static CompletionStage<Path> receive(
      SourceRef<ByteString> source,
      ArtifactStore store,
      String sha,
      Materializer mat,
      Executor blocking) {
    Path target;
    Path part;
    try {
      target = store.artifact(sha);
      Files.createDirectories(target.getParent());
      part = target.resolveSibling(sha + ".part-" + UUID.randomUUID());
    } catch (IOException | IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return source
        .getSource()
        .runWith(FileIO.toPath(part), mat)
        .thenApplyAsync(io -> verifyAndMove(part, target, sha), blocking)
        .whenComplete(
            (ok, failure) -> {
              if (failure != null) {
                deleteQuietly(part);
              }
            });
  }

  static Path verifyAndMove(Path part, Path target, String sha) {
    try {
      String actual = sha256(part);
      if (!actual.equalsIgnoreCase(sha)) {
        throw new IOException(
            "the fetched artifact's SHA-256 is " + actual + ", not " + sha + "; discarded");
      }
      return Files.move(
          part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      deleteQuietly(part);
      throw new CompletionException(e);
    }
  }

  static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[64 * 1024];
      for (int n; (n = in.read(buf)) > 0; ) {
        digest.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A leftover part file is pruned with the artifacts; the failure is reported already.
    }
  }
}
