package dev.tako.node.converge;

import dev.tako.node.peer.PeerAddress;
import dev.tako.node.secrets.NodeKey;
import dev.tako.persistence.ArtifactStore;
import dev.tako.persistence.NodeLedger;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.crypto.SecretException;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What this node's {@link Convergence} answers other nodes that catch up: whether it holds a
 * release, the release's recorded deploy request with where its node-to-node listener serves the
 * artifact, and its secrets of an app/env opened by its node key (only the set the asker names by
 * digest). Answers from the ledger state the actor last read; a request it cannot serve is answered
 * with the reason, never left unanswered.
 */
final class PeerDesk {
  private final String server;
  private final ArtifactStore store;
  private final NodeKey nodeKey;
  private final PeerAddress listener;

  /**
   * @param listener where peers reach this node's node-to-node listener
   */
  PeerDesk(String server, ArtifactStore store, NodeKey nodeKey, PeerAddress listener) {
    this.server = server;
    this.store = store;
    this.nodeKey = nodeKey;
    this.listener = listener;
  }

  void holds(NodeLedger.State state, Convergence.HasRelease m, ActorRef<Convergence.Command> self) {
    m.replyTo()
        .tell(
            new PeerMessages.Holds(
                server, holds(state, m.app(), m.env(), m.release(), m.sha()), self));
  }

  void offer(NodeLedger.State state, Convergence.FetchRelease m) {
    if (!holds(state, m.app(), m.env(), m.release(), m.sha())) {
      m.replyTo()
          .tell(
              new PeerMessages.ArtifactOffer(
                  server, null, null, "release " + m.release() + " is not here"));
      return;
    }
    DeployRequest request =
        state.app(m.app(), m.env()).flatMap(a -> a.release(m.release())).orElseThrow().request();
    m.replyTo().tell(new PeerMessages.ArtifactOffer(server, request, listener.toString(), null));
  }

  void secrets(NodeLedger.State state, Convergence.FetchSecrets m) {
    NodeLedger.Secrets held = state.secretsOf(m.app(), m.env());
    String error = null;
    Map<String, String> values = Map.of();
    if (m.digest() == null || !m.digest().equals(held.digest())) {
      error = "server " + server + " holds other secrets";
    } else {
      try {
        values = nodeKey.open(m.app(), m.env(), held.sealed());
      } catch (SecretException | RuntimeException e) {
        error = "cannot open the secrets here: " + e.getMessage();
      }
    }
    m.replyTo().tell(new PeerMessages.SecretsCopy(server, values, m.digest(), error));
  }

  private boolean holds(
      NodeLedger.State state, String app, String env, String release, String sha) {
    try {
      return sha != null
          && state.app(app, env).flatMap(a -> a.release(release)).isPresent()
          && store.has(sha);
    } catch (IllegalArgumentException e) {
      return false; // not a SHA-256 (a peer's head is data, not trusted to be well formed)
    }
  }
}
