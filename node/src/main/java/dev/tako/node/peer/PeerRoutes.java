package dev.tako.node.peer;

import dev.tako.persistence.ArtifactStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * What the node-to-node listener serves: {@code GET /v1/peer/artifacts/<sha256>}, a stored release
 * artifact as it was uploaded (the caller checks the SHA-256), 404 when this node does not have it.
 * Only nodes with a certificate of the cluster CA get this far.
 */
public final class PeerRoutes extends AllDirectives {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private final ArtifactStore store;

  public PeerRoutes(ArtifactStore store) {
    this.store = store;
  }

  public Route route() {
    return pathPrefix(
        "v1",
        () ->
            pathPrefix(
                "peer",
                () ->
                    path(
                        PathMatchers.segment("artifacts").slash(PathMatchers.segment()),
                        sha -> get(() -> artifact(sha)))));
  }

  private Route artifact(String sha) {
    if (!SHA256.matcher(sha).matches()) {
      return complete(StatusCodes.BAD_REQUEST, "not a SHA-256: " + sha);
    }
    Path file = store.artifact(sha);
    if (!Files.isRegularFile(file)) {
      return complete(StatusCodes.NOT_FOUND, "no artifact " + sha + " here");
    }
    return getFromFile(file.toFile(), ContentTypes.APPLICATION_OCTET_STREAM);
  }
}
