package dev.tako.proxy;

import dev.tako.proxy.tls.AcmeChallenges;
import dev.tako.proxy.tls.CertificateSource;

/** What one bound port of the proxy speaks: plain HTTP, or HTTPS terminated by the proxy. */
public sealed interface ProxyListener {

  /** Plain HTTP without redirects or ACME challenges (tests, benchmarks). */
  ProxyListener PLAIN = new Plain(AcmeChallenges.NONE, 0);

  /**
   * Plain HTTP. Requests for an app with TLS on ({@link Target#secure()}) get 307 to the same URL
   * over HTTPS; ACME HTTP-01 challenges are answered first.
   *
   * @param challenges pending ACME challenges
   * @param httpsPort the public HTTPS port put in redirects (443 is left out of the URL); 0: never
   *     redirect
   */
  record Plain(AcmeChallenges challenges, int httpsPort) implements ProxyListener {}

  /**
   * HTTPS: TLS terminated here with the certificate {@code certificates} chooses by SNI; the app
   * sees {@code X-Forwarded-Proto: https}.
   */
  record Tls(CertificateSource certificates) implements ProxyListener {}

  /**
   * The node-to-node listener (SPEC §12): mutual TLS with the cluster's certificates (a client
   * certificate of the cluster CA required), for requests a peer forwards (routed as a visitor's,
   * never forwarded again) and peers' artifact fetches. Needs {@link RouteSnapshots#failover}
   * installed; without it every connection is closed.
   */
  record Peer() implements ProxyListener {}
}
