package dev.tako.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthProbeTest {

  private HttpServer server;
  private final HealthProbe probe = new HealthProbe(Duration.ofSeconds(1));

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/ok",
        exchange -> {
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    server.createContext(
        "/down",
        exchange -> {
          exchange.sendResponseHeaders(503, -1);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private HealthProbe.Outcome check(int port, String path) throws Exception {
    return probe.check(port, path).toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void any2xxIsHealthy() throws Exception {
    assertTrue(check(server.getAddress().getPort(), "/ok").healthy());
  }

  @Test
  void otherStatusesAreNot() throws Exception {
    HealthProbe.Outcome outcome = check(server.getAddress().getPort(), "/down");
    assertFalse(outcome.healthy());
    assertEquals("HTTP 503", outcome.detail());
  }

  @Test
  void connectionErrorsAreUnhealthyOutcomesNotFailures() throws Exception {
    int closed = ProcessLaunch.freePort();
    HealthProbe.Outcome outcome = check(closed, "/ok");
    assertFalse(outcome.healthy());
    assertTrue(outcome.detail().contains("ConnectException"), outcome.detail());
  }

  @Test
  void anAnswerWithABodyIsReadAndASilentAppTimesOut() throws Exception {
    server.createContext(
        "/body",
        exchange -> {
          byte[] body = "ok".repeat(50_000).getBytes();
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    assertEquals("HTTP 200", check(server.getAddress().getPort(), "/body").detail());

    try (java.net.ServerSocket silent = new java.net.ServerSocket(0)) {
      HealthProbe quick = new HealthProbe(Duration.ofMillis(200));
      HealthProbe.Outcome outcome =
          quick.check(silent.getLocalPort(), "/ok").toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertFalse(outcome.healthy());
      assertTrue(outcome.detail().contains("SocketTimeoutException"), outcome.detail());
    }
  }

  @Test
  void aPathThatIsNoPathIsUnhealthy() throws Exception {
    assertEquals("bad health path /a b", check(1, "/a b").detail());
    assertFalse(check(1, "healthz").healthy());
  }

  @Test
  void theStatusCodeIsReadFromTheStatusLine() throws Exception {
    assertEquals(204, HealthProbe.statusCode("HTTP/1.1 204 No Content"));
    assertEquals(503, HealthProbe.statusCode("HTTP/1.0 503"));
    org.junit.jupiter.api.Assertions.assertThrows(
        java.io.IOException.class, () -> HealthProbe.statusCode("SSH-2.0-OpenSSH"));
  }
}
