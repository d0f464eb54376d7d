package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProxySettingsTest {
  @Test
  void referenceConfHoldsTheDefaults() {
    assertEquals(ProxySettings.DEFAULTS, ProxySettings.fromConfig(ConfigFactory.load()));
    assertEquals(
        128L * 1024 * 1024,
        ConfigFactory.load().getBytes("pekko.http.server.parsing.max-content-length"));
    assertEquals(
        512, ConfigFactory.load().getInt("pekko.http.host-connection-pool.max-connections"));
  }

  @Test
  void overridesAndValidation() {
    ProxySettings s =
        ProxySettings.fromConfig(
            ConfigFactory.parseString("tako.proxy.max-request-body = 1MiB")
                .withFallback(ConfigFactory.load()));
    assertEquals(1024 * 1024, s.maxRequestBody());
    assertThrows(IllegalArgumentException.class, () -> s.withConnectTimeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> s.withMaxRequestBody(0));
    ProxySettings fast = s.withReadTimeout(Duration.ofSeconds(1));
    assertEquals(Duration.ofSeconds(1), fast.readTimeout());
    ProxySettings slow = s.withReadTimeout(Duration.ofSeconds(120));
    assertEquals(Duration.ofSeconds(130), slow.requestTimeout());
    assertEquals(Duration.ofSeconds(135), slow.idleTimeout());
    assertEquals(Duration.ofHours(1), s.upgradedIdleTimeout());
    assertEquals(2048, s.maxRequestsPerClient());
    assertEquals(5, s.withMaxRequestsPerClient(5).maxRequestsPerClient());
    assertThrows(IllegalArgumentException.class, () -> s.withMaxRequestsPerClient(0));
    assertThrows(IllegalArgumentException.class, () -> s.withUpgradedIdleTimeout(Duration.ZERO));
  }

  @Test
  void headerAndHandshakeDeadlines() {
    ProxySettings s = ProxySettings.fromConfig(ConfigFactory.load());
    assertEquals(Duration.ofSeconds(30), s.headerTimeout());
    assertEquals(Duration.ofSeconds(10), s.tlsHandshakeTimeout());
    ProxySettings set =
        ProxySettings.fromConfig(
            ConfigFactory.parseString(
                    "tako.proxy { header-timeout = 5s, tls-handshake-timeout = 2s }")
                .withFallback(ConfigFactory.load()));
    assertEquals(Duration.ofSeconds(5), set.headerTimeout());
    assertEquals(Duration.ofSeconds(2), set.tlsHandshakeTimeout());
    assertEquals(Duration.ofSeconds(1), s.withHeaderTimeout(Duration.ofSeconds(1)).headerTimeout());
    assertThrows(IllegalArgumentException.class, () -> s.withHeaderTimeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> s.withTlsHandshakeTimeout(Duration.ZERO));
  }
}
