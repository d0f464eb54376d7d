package dev.tako.node.tls;

/**
 * What other nodes' certificate managers ask of this one, through this node's NodeAgent (the
 * counterpart of {@link CertificatePeers}). Implementations never block, except {@link #receive},
 * which writes the node home and runs on a blocking dispatcher.
 */
public interface CertificateExchange {

  /** Nothing to exchange (tests, nodes without a certificate manager). */
  CertificateExchange NONE =
      new CertificateExchange() {
        @Override
        public void challengePublished(String token, String keyAuthorization, String by) {}

        @Override
        public void challengeWithdrawn(String token) {}

        @Override
        public SharedCertificate requested(AcmeHost host, String by, boolean orderIfMissing) {
          return null;
        }

        @Override
        public boolean receive(SharedCertificate certificate, String from) {
          return false;
        }
      };

  /** Another node's pending challenge: answer it here too until it is withdrawn (or expires). */
  void challengePublished(String token, String keyAuthorization, String by);

  void challengeWithdrawn(String token);

  /**
   * Another node wants this node's certificate of a host.
   *
   * @param orderIfMissing when there is none that is not due: order it and deliver it to {@code by}
   * @return the certificate, or null when there is none that is not due
   */
  SharedCertificate requested(AcmeHost host, String by, boolean orderIfMissing);

  /**
   * Stores and serves a certificate another node ordered, unless this node has one that expires no
   * earlier. Blocking (disk).
   *
   * @return whether it was taken
   * @throws java.io.IOException when it is unusable or cannot be stored
   */
  boolean receive(SharedCertificate certificate, String from) throws java.io.IOException;
}
