package dev.tako.node.tls;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The node's ACME settings, {@code tako.tls.acme} of its configuration (see reference.conf).
 *
 * @param renewBefore renew a certificate that expires within this (or within a third of its
 *     lifetime when that is shorter)
 * @param checkInterval how often the node looks for certificates to issue or renew
 * @param retryMin the wait after the first failed order for a host, doubled per further failure
 * @param retryMax the longest wait between two orders for a host
 * @param orderTimeout the limit of each wait for the CA (validation, issuing)
 * @param directoryCa a PEM file of the CA certificates to trust for the ACME directory's HTTPS, or
 *     null for the JVM's default trust store
 */
public record AcmeSettings(
    Duration renewBefore,
    Duration checkInterval,
    Duration retryMin,
    Duration retryMax,
    Duration orderTimeout,
    Path directoryCa) {

  public static AcmeSettings fromConfig(Config config) {
    Config c = config.getConfig("tako.tls.acme");
    String ca = c.getString("directory-ca").trim();
    return new AcmeSettings(
        c.getDuration("renew-before"),
        c.getDuration("check-interval"),
        c.getDuration("retry-min"),
        c.getDuration("retry-max"),
        c.getDuration("order-timeout"),
        ca.isEmpty() ? null : Path.of(ca));
  }
}
