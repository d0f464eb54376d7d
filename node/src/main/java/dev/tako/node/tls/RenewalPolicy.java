package dev.tako.node.tls;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

/**
 * When a certificate needs a new order, and how long to wait after failed ones. A certificate is
 * due {@code renewBefore} before it expires (30 days: Let's Encrypt's 90-day certificates renew
 * with 30 days left), or when a third of its lifetime is left if that is shorter, so short-lived
 * certificates do not renew on every check. Failed orders wait {@code retryMin}, doubled per
 * further failure up to {@code retryMax}. Pure and immutable.
 */
public record RenewalPolicy(Duration renewBefore, Duration retryMin, Duration retryMax) {

  public static RenewalPolicy of(AcmeSettings settings) {
    return new RenewalPolicy(settings.renewBefore(), settings.retryMin(), settings.retryMax());
  }

  /** Whether the certificate should be replaced at {@code now}. */
  public boolean due(X509Certificate cert, Instant now) {
    Instant notBefore = cert.getNotBefore().toInstant();
    Instant notAfter = cert.getNotAfter().toInstant();
    Duration third = Duration.between(notBefore, notAfter).dividedBy(3);
    Duration margin = third.compareTo(renewBefore) < 0 ? third : renewBefore;
    return !now.isBefore(notAfter.minus(margin));
  }

  /** The wait before the next order after {@code consecutiveFailures} (at least 1) failures. */
  public Duration retryDelay(int consecutiveFailures) {
    Duration d = retryMin;
    for (int i = 1; i < consecutiveFailures && d.compareTo(retryMax) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(retryMax) > 0 ? retryMax : d;
  }
}
