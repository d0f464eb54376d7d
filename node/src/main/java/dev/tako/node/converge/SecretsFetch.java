package dev.tako.node.converge;

import dev.tako.node.NodeAgent;
import dev.tako.persistence.EnvHead;

/**
 * The part of a {@link CatchUp} that brings the head's secrets when this server holds another set:
 * asks the peers in turn for the set the head's digest names (a peer opens it with its node key and
 * sends the values over Artery's mutual TLS), then stores them sealed under this node's key like
 * {@code tako secrets sync} does. The catch-up then ends to be decided again (now with the
 * secrets); without a peer that holds them it ends with the reason and nothing starts.
 */
final class SecretsFetch {
  private final CatchUp catchUp;
  private final EnvHead head;

  SecretsFetch(CatchUp catchUp) {
    this.catchUp = catchUp;
    this.head = catchUp.job().head();
  }

  void run() {
    var settings = catchUp.job().settings();
    catchUp.askPeers(
        PeerMessages.SecretsCopy.class,
        r -> new Convergence.FetchSecrets(head.app(), head.env(), head.secretsDigest(), r),
        settings.askTimeout(),
        copy -> {
          if (copy.error() != null) {
            return false;
          }
          catchUp
              .context()
              .getLog()
              .info("fetched the secrets of {} from {}", head.key(), copy.server());
          catchUp.askAgent(
              settings.askTimeout(),
              r ->
                  new NodeAgent.StoreSecrets(
                      head.app(), head.env(), copy.values(), copy.digest(), r),
              ok -> catchUp.end(null, true));
          return true;
        },
        () ->
            catchUp.end(
                "no reachable server holds the secrets of " + head.key() + " the release needs",
                false));
  }
}
