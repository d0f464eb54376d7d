package dev.tako.node.converge;

import dev.tako.node.peer.PeerAddress;
import dev.tako.node.peer.PeerClient;
import dev.tako.persistence.EnvHead;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The part of a {@link CatchUp} that brings a release this server does not hold: asks the peers in
 * turn which holds it, takes the first offer, pulls the artifact from that peer's node-to-node
 * listener ({@link PeerClient}, mutual TLS, SHA-256 checked, never through Artery messages) and
 * hands the peer's recorded deploy request to the prepare step. Ends the catch-up with the reason
 * when no peer holds it or the transfer fails.
 */
final class ReleaseFetch {
  private final CatchUp catchUp;
  private final EnvHead head;

  ReleaseFetch(CatchUp catchUp) {
    this.catchUp = catchUp;
    this.head = catchUp.job().head();
  }

  void run() {
    catchUp.askPeers(
        PeerMessages.Holds.class,
        r ->
            new Convergence.HasRelease(
                head.app(), head.env(), head.release(), head.artifactSha256(), r),
        catchUp.job().settings().askTimeout(),
        holds -> {
          if (!holds.holds()) {
            return false;
          }
          fetchFrom(holds.peer(), holds.server());
          return true;
        },
        () ->
            catchUp.end(
                "no reachable server holds release " + head.release() + " to fetch it from",
                false));
  }

  private void fetchFrom(ActorRef<Convergence.Command> peer, String server) {
    catchUp
        .context()
        .ask(
            PeerMessages.ArtifactOffer.class,
            peer,
            catchUp.job().settings().askTimeout(),
            r ->
                new Convergence.FetchRelease(
                    head.app(), head.env(), head.release(), head.artifactSha256(), r),
            (offer, failure) -> catchUp.next(() -> offered(server, offer, failure)));
  }

  private void offered(String server, PeerMessages.ArtifactOffer offer, Throwable failure) {
    String error =
        failure != null ? failure.getMessage() : offer.error() != null ? offer.error() : null;
    if (error == null
        && (!head.release().equals(offer.request().release())
            || !head.artifactSha256().equals(offer.request().artifactSha256()))) {
      error = "it offered another release";
    }
    if (error != null) {
      catchUp.end("fetching release " + head.release() + " from " + server + ": " + error, false);
      return;
    }
    var job = catchUp.job();
    PeerAddress from;
    try {
      from = PeerAddress.parse(offer.fetchFrom());
    } catch (IllegalArgumentException e) {
      catchUp.end(
          "fetching release " + head.release() + " from " + server + ": " + e.getMessage(), false);
      return;
    }
    catchUp
        .context()
        .getLog()
        .info("fetching release {} from {} ({})", head.release(), server, from);
    String sha = head.artifactSha256();
    catchUp
        .context()
        .pipeToSelf(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return job.peerClient().fetchArtifact(from, sha, job.store().artifact(sha));
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                },
                job.blocking()),
            (size, f) ->
                catchUp.next(
                    () -> {
                      if (f != null) {
                        catchUp.end(
                            "fetching release "
                                + head.release()
                                + " from "
                                + server
                                + " failed: "
                                + rootMessage(f),
                            false);
                      } else {
                        catchUp.prepare(offer.request());
                      }
                    }));
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }
}
