package dev.tako.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An app's {@code 101 Switching Protocols} is honoured only for a request that asked for that
 * upgrade (Upgrade with Connection: upgrade). Otherwise the visitor gets 502 and the switched
 * upstream connection is closed, never pooled: the next request goes to a new connection.
 */
class UnrequestedUpgradeTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final String SWITCH =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";

  private ProxyUnderTest proxy;

  @BeforeEach
  void start() throws Exception {
    proxy =
        new ProxyUnderTest(
            ProxySettings.DEFAULTS,
            ProxyListener.PLAIN,
            Map.of("/switch", LenientUpstream.Answer.of(SWITCH)));
  }

  @AfterEach
  void stop() throws Exception {
    proxy.close();
  }

  private void assertRefusedAndNotReused(String switchRequest) throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      Wire.send(socket, switchRequest);
      String refused = Wire.response(socket);
      assertTrue(refused.startsWith("HTTP/1.1 502 "), refused);
      Wire.send(socket, "GET /next HTTP/1.1\r\nHost: app.test\r\n\r\n");
      String next = Wire.response(socket);
      assertTrue(next.startsWith("HTTP/1.1 200 ") && next.endsWith("ok"), next);
    }
    await().atMost(DEADLINE).until(() -> proxy.app.closedByProxy.contains(1));
    assertEquals(List.of("GET /switch HTTP/1.1"), proxy.app.on(1));
    assertEquals(List.of("GET /next HTTP/1.1"), proxy.app.on(2));
    assertEquals(2, proxy.app.connections.get());
  }

  @Test
  void a101WithoutAnyUpgradeRequestIs502AndTheConnectionIsClosed() throws Exception {
    assertRefusedAndNotReused("GET /switch HTTP/1.1\r\nHost: app.test\r\n\r\n");
  }

  @Test
  void anUpgradeHeaderWithoutConnectionUpgradeIsNoUpgradeRequest() throws Exception {
    assertRefusedAndNotReused(
        "GET /switch HTTP/1.1\r\nHost: app.test\r\nUpgrade: websocket\r\n\r\n");
  }

  @Test
  void anUpgradeRequestInHttp10IsIgnored() throws Exception {
    // RFC 9110 §7.8: a server must ignore Upgrade in HTTP/1.0, so the proxy does too.
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      Wire.send(
          socket,
          "GET /switch HTTP/1.0\r\nHost: app.test\r\nConnection: keep-alive, Upgrade\r\n"
              + "Upgrade: websocket\r\n\r\n");
      String refused = Wire.response(socket);
      assertTrue(refused.startsWith("HTTP/1.1 502 "), refused);
    }
    await().atMost(DEADLINE).until(() -> proxy.app.closedByProxy.contains(1));
    assertEquals(List.of("GET /switch HTTP/1.0"), proxy.app.on(1));
  }

  @Test
  void a101ToAnUpgradeRequestIsPassedOn() throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      Wire.send(
          socket,
          "GET /switch HTTP/1.1\r\nHost: app.test\r\nUpgrade: websocket\r\n"
              + "Connection: Upgrade\r\n\r\n");
      String switched = Wire.head(socket.getInputStream());
      assertTrue(switched.startsWith("HTTP/1.1 101 "), switched);
    }
  }
}
