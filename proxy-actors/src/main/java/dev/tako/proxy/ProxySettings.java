package dev.tako.proxy;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The proxy's limits and timeouts, read from {@code tako.proxy.*} (defaults in this module's
 * reference.conf, DESIGN.md "Defaults worth keeping"). Validated on construction: a non-positive
 * value throws {@link IllegalArgumentException} naming the key.
 *
 * @param connectTimeout connecting to an upstream; on expiry 504
 * @param readTimeout longest silence from an upstream (no byte either way); on expiry 504
 * @param maxRequestBody request bodies above this many bytes get 413
 * @param requestTimeout from a request's arrival to the start of its response; must exceed
 *     connectTimeout + readTimeout so that the upstream timeouts answer first
 * @param idleTimeout a visitor connection with no traffic is closed after this long; must exceed
 *     readTimeout
 * @param upgradedIdleTimeout an upgraded connection (WebSocket, after 101) with no traffic either
 *     way is closed after this long
 * @param maxRequestsPerClient concurrent requests (upgraded connections included) from one client
 *     address across all event loops; more get 429
 * @param headerTimeout a request head must arrive within this: from the connection's start for the
 *     first request, from the first byte of each next one on a keep-alive connection; on expiry 408
 *     and the connection closed (a visitor sending one byte a second keeps nothing open)
 * @param tlsHandshakeTimeout a TLS handshake must end within this from the connection's start; on
 *     expiry the connection is closed
 * @param headLimits request line, header line and head sizes (tako.proxy.max-request-line,
 *     max-header-line, max-head): 414 or 431 beyond
 */
public record ProxySettings(
    Duration connectTimeout,
    Duration readTimeout,
    long maxRequestBody,
    Duration requestTimeout,
    Duration idleTimeout,
    Duration upgradedIdleTimeout,
    int maxRequestsPerClient,
    Duration headerTimeout,
    Duration tlsHandshakeTimeout,
    HeadLimits headLimits) {

  public static final ProxySettings DEFAULTS =
      new ProxySettings(
          Duration.ofSeconds(5),
          Duration.ofSeconds(60),
          128L * 1024 * 1024,
          Duration.ofSeconds(70),
          Duration.ofSeconds(75),
          Duration.ofHours(1),
          2048,
          Duration.ofSeconds(30),
          Duration.ofSeconds(10),
          HeadLimits.DEFAULTS);

  public ProxySettings {
    positive("connect-timeout", connectTimeout);
    positive("read-timeout", readTimeout);
    positive("request-timeout", requestTimeout);
    positive("idle-timeout", idleTimeout);
    positive("upgraded-idle-timeout", upgradedIdleTimeout);
    positive("header-timeout", headerTimeout);
    positive("tls-handshake-timeout", tlsHandshakeTimeout);
    if (maxRequestsPerClient <= 0) {
      throw new IllegalArgumentException("tako.proxy.max-requests-per-client must be positive");
    }
    if (headLimits == null) {
      throw new IllegalArgumentException("tako.proxy head limits are missing");
    }
    if (maxRequestBody <= 0) {
      throw new IllegalArgumentException("tako.proxy.max-request-body must be positive");
    }
    if (requestTimeout.compareTo(connectTimeout.plus(readTimeout)) <= 0) {
      throw new IllegalArgumentException(
          "tako.proxy.request-timeout must exceed connect-timeout + read-timeout");
    }
    if (idleTimeout.compareTo(readTimeout) <= 0) {
      throw new IllegalArgumentException("tako.proxy.idle-timeout must exceed read-timeout");
    }
  }

  private static void positive(String key, Duration value) {
    if (value == null || value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException("tako.proxy." + key + " must be a positive duration");
    }
  }

  /** Reads {@code tako.proxy.*} from a config that includes this module's reference.conf. */
  public static ProxySettings fromConfig(Config config) {
    Config c = config.getConfig("tako.proxy");
    return new ProxySettings(
        c.getDuration("connect-timeout"),
        c.getDuration("read-timeout"),
        c.getBytes("max-request-body"),
        c.getDuration("request-timeout"),
        c.getDuration("idle-timeout"),
        c.getDuration("upgraded-idle-timeout"),
        c.getInt("max-requests-per-client"),
        c.getDuration("header-timeout"),
        c.getDuration("tls-handshake-timeout"),
        new HeadLimits(
            c.getBytes("max-request-line").intValue(),
            c.getBytes("max-header-line").intValue(),
            c.getBytes("max-head").intValue()));
  }

  public ProxySettings withConnectTimeout(Duration value) {
    return new ProxySettings(
        value,
        readTimeout,
        maxRequestBody,
        requestTimeout,
        idleTimeout,
        upgradedIdleTimeout,
        maxRequestsPerClient,
        headerTimeout,
        tlsHandshakeTimeout,
        headLimits);
  }

  /** Also raises request and idle timeouts when they would no longer exceed the read timeout. */
  public ProxySettings withReadTimeout(Duration value) {
    Duration request = requestTimeout;
    if (request.compareTo(connectTimeout.plus(value)) <= 0) {
      request = connectTimeout.plus(value).plusSeconds(5);
    }
    Duration idle = idleTimeout.compareTo(value) <= 0 ? value.plusSeconds(15) : idleTimeout;
    return new ProxySettings(
        connectTimeout,
        value,
        maxRequestBody,
        request,
        idle,
        upgradedIdleTimeout,
        maxRequestsPerClient,
        headerTimeout,
        tlsHandshakeTimeout,
        headLimits);
  }

  public ProxySettings withMaxRequestBody(long value) {
    return new ProxySettings(
        connectTimeout,
        readTimeout,
        value,
        requestTimeout,
        idleTimeout,
        upgradedIdleTimeout,
        maxRequestsPerClient,
        headerTimeout,
        tlsHandshakeTimeout,
        headLimits);
  }

  public ProxySettings withUpgradedIdleTimeout(Duration value) {
    return new ProxySettings(
        connectTimeout,
        readTimeout,
        maxRequestBody,
        requestTimeout,
        idleTimeout,
        value,
        maxRequestsPerClient,
        headerTimeout,
        tlsHandshakeTimeout,
        headLimits);
  }

  public ProxySettings withMaxRequestsPerClient(int value) {
    return new ProxySettings(
        connectTimeout,
        readTimeout,
        maxRequestBody,
        requestTimeout,
        idleTimeout,
        upgradedIdleTimeout,
        value,
        headerTimeout,
        tlsHandshakeTimeout,
        headLimits);
  }

  public ProxySettings withHeaderTimeout(Duration value) {
    return new ProxySettings(
        connectTimeout,
        readTimeout,
        maxRequestBody,
        requestTimeout,
        idleTimeout,
        upgradedIdleTimeout,
        maxRequestsPerClient,
        value,
        tlsHandshakeTimeout,
        headLimits);
  }

  public ProxySettings withTlsHandshakeTimeout(Duration value) {
    return new ProxySettings(
        connectTimeout,
        readTimeout,
        maxRequestBody,
        requestTimeout,
        idleTimeout,
        upgradedIdleTimeout,
        maxRequestsPerClient,
        headerTimeout,
        value,
        headLimits);
  }

  public ProxySettings withHeadLimits(HeadLimits value) {
    return new ProxySettings(
        connectTimeout,
        readTimeout,
        maxRequestBody,
        requestTimeout,
        idleTimeout,
        upgradedIdleTimeout,
        maxRequestsPerClient,
        headerTimeout,
        tlsHandshakeTimeout,
        value);
  }
}
