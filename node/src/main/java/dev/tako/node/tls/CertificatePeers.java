package dev.tako.node.tls;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The other nodes of the cluster, as the certificate manager needs them: who is up, and the few
 * things it asks of their managers (through their NodeAgents). Every call returns at once; every
 * stage completes within the implementation's ask timeout (a failed stage: the server did not
 * answer in time or is not in the cluster).
 */
public interface CertificatePeers {

  /** A node alone: no peers. */
  CertificatePeers NONE =
      new CertificatePeers() {
        @Override
        public String self() {
          return "";
        }

        @Override
        public boolean joined() {
          return true;
        }

        @Override
        public Set<String> up() {
          return Set.of();
        }

        @Override
        public CompletionStage<Set<String>> publishChallenge(
            Set<String> servers, String token, String keyAuthorization) {
          return CompletableFuture.completedFuture(Set.of());
        }

        @Override
        public void withdrawChallenge(Set<String> servers, String token) {}

        @Override
        public CompletionStage<SharedCertificate> fetch(
            String server, AcmeHost host, boolean orderIfMissing) {
          return CompletableFuture.failedFuture(new IllegalStateException("no peers"));
        }

        @Override
        public CompletionStage<Boolean> deliver(String server, SharedCertificate certificate) {
          return CompletableFuture.failedFuture(new IllegalStateException("no peers"));
        }
      };

  /** This node's server name. */
  String self();

  /**
   * Whether this node is an up member of the cluster; before, it cannot know who else is up (and so
   * who orders).
   */
  boolean joined();

  /** The other servers whose nodes are up and reachable now (this one excluded). */
  Set<String> up();

  /**
   * Makes a pending HTTP-01 challenge known to these servers' nodes.
   *
   * @return the servers that acknowledged it in time
   */
  CompletionStage<Set<String>> publishChallenge(
      Set<String> servers, String token, String keyAuthorization);

  /** Tells these servers' nodes the challenge is over (no answer awaited). */
  void withdrawChallenge(Set<String> servers, String token);

  /**
   * Asks a server's node for its certificate of a host.
   *
   * @param orderIfMissing whether that node should order the certificate (and deliver it here) when
   *     it has none that is not due; false when this node only looks for a copy
   * @return its certificate, or null when it has none that is not due
   */
  CompletionStage<SharedCertificate> fetch(String server, AcmeHost host, boolean orderIfMissing);

  /**
   * Hands a certificate to a server's node to store and serve.
   *
   * @return whether it took it (false: it already had one as new)
   */
  CompletionStage<Boolean> deliver(String server, SharedCertificate certificate);
}
