package dev.tako.proxy.tls;

/**
 * Pending ACME HTTP-01 challenges: the plain HTTP listener answers {@code GET
 * /.well-known/acme-challenge/<token>} from here, for any host, before routing and before the
 * redirect to HTTPS (RFC 8555 §8.3). Read on the proxy's event loops: thread safe and fast.
 */
public interface AcmeChallenges {

  /** No challenges: every such request goes through normal routing. */
  AcmeChallenges NONE = token -> null;

  /**
   * @param token the token from the request path
   * @return the key authorization to answer with (text/plain), or null for an unknown token
   */
  String keyAuthorization(String token);
}
