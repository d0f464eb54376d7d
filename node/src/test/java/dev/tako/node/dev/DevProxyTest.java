package dev.tako.node.dev;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.tako.protocol.Json;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dev proxy in this JVM, on real loopback ports: registrations over its socket, HTTPS by SNI
 * with leaves of the dev CA to a real upstream, 307 on plain HTTP, route conflicts between apps,
 * routes leaving with their connection, and the proxy ending (ports free, info file gone) after its
 * last app.
 */
class DevProxyTest {
  @TempDir Path dir;
  private HttpServer upstream;

  @AfterEach
  void stopUpstream() {
    if (upstream != null) {
      upstream.stop(0);
    }
  }

  @Test
  void servesRegisteredAppsOverHttpsAndEndsAfterTheLastOne() throws Exception {
    DevCa ca = DevCaTest.loadOrCreate(dir.resolve("ca"));
    int port = freePortPair();
    DevProxyFiles files = new DevProxyFiles(dir.resolve("dev"), port);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                DevProxy.run(
                    files,
                    ca,
                    // Long enough for a loaded machine to register before the proxy gives up.
                    Duration.ofSeconds(2),
                    new PrintStream(log, true, StandardCharsets.UTF_8)));
    DevProxyFiles.Info info = awaitInfo(files, exit);
    assertEquals(port, info.httpsPort());
    assertEquals(port - 1, info.httpPort());

    upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    upstream.createContext(
        "/",
        ex -> {
          byte[] body =
              ("one " + ex.getRequestHeaders().getFirst("X-Forwarded-Proto"))
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    upstream.start();
    int appPort = upstream.getAddress().getPort();
    SSLContext client = DevCaTest.trustingOnly(ca.certificate());

    try (Registration one = new Registration(info)) {
      assertEquals(
          new DevProxy.Reply(true, null),
          one.send(register(info, "one", List.of("one.localhost"), appPort)));
      assertEquals("200 one https", https(client, port, "one.localhost"));
      assertTrue(
          http(port - 1, "one.localhost")
              .contains("Location: https://one.localhost:" + port + "/x"));
      // Another host has no route: 404, over a leaf of its own.
      assertTrue(https(client, port, "nothing.localhost").startsWith("404"));

      try (Registration two = new Registration(info)) {
        DevProxy.Reply refused = two.send(register(info, "two", List.of("one.localhost"), appPort));
        assertFalse(refused.ok());
        assertTrue(refused.error().contains("already served by tako dev of one"), refused.error());
        assertEquals(
            new DevProxy.Reply(false, "wrong token; restart tako dev"),
            two.send(
                new DevProxy.Register(
                    "guess", "two", "/x", 1, List.of("two.localhost"), appPort, 0)));
        assertTrue(two.send(register(info, "two", List.of("two.localhost"), appPort)).ok());
        assertEquals("200 one https", https(client, port, "two.localhost"));
      }
      // Routes leave with their connection.
      awaitStatus(client, port, "two.localhost", "404");
      // While not ready the app's requests wait instead of failing; ready again, they go through.
      assertTrue(one.send(register(info, "one", List.of("one.localhost"), 0)).ok());
      CompletableFuture<String> waiting =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return https(client, port, "one.localhost");
                } catch (Exception e) {
                  return e.toString();
                }
              });
      assertThrows(
          TimeoutException.class,
          () -> waiting.get(300, TimeUnit.MILLISECONDS),
          "waits for the app");
      assertTrue(one.send(register(info, "one", List.of("one.localhost"), appPort)).ok());
      assertEquals("200 one https", waiting.get(10, TimeUnit.SECONDS));
      assertTrue(files.readInfo() != null, "still running with one app");
    }

    assertEquals(0, exit.get(15, TimeUnit.SECONDS));
    assertNull(files.readInfo());
    assertFalse(Files.exists(files.info()));
    for (int p : new int[] {port, port - 1}) {
      try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
        assertEquals(p, s.getLocalPort(), "port " + p + " is free again");
      }
    }
    String text = log.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("one left") && text.contains("no app left; stopped"), text);
  }

  @Test
  void aPortInUseEndsTheProxyWithTheReason() throws Exception {
    DevCa ca = DevCaTest.loadOrCreate(dir.resolve("ca"));
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      DevProxyFiles files = new DevProxyFiles(dir.resolve("dev"), taken.getLocalPort());
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      int code =
          DevProxy.run(
              files,
              ca,
              Duration.ofMillis(100),
              new PrintStream(log, true, StandardCharsets.UTF_8));
      assertEquals(1, code);
      assertTrue(log.toString(StandardCharsets.UTF_8).contains("another program uses the port"));
      assertNull(files.readInfo());
    }
  }

  private static DevProxy.Register register(
      DevProxyFiles.Info info, String app, List<String> routes, int port) {
    return new DevProxy.Register(info.token(), app, "/src/" + app, 4242, routes, port, 0);
  }

  /** One tako dev's connection. */
  private static final class Registration implements AutoCloseable {
    final Socket socket;
    final BufferedReader in;
    final OutputStream out;

    Registration(DevProxyFiles.Info info) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), info.registerPort());
      in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      out = socket.getOutputStream();
    }

    DevProxy.Reply send(DevProxy.Register r) throws IOException {
      out.write((Json.write(r) + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      return Json.lenient().readValue(in.readLine(), DevProxy.Reply.class);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** "STATUS BODY" of GET / over TLS to 127.0.0.1 as {@code host} (SNI and verified name). */
  static String https(SSLContext ctx, int port, String host) throws Exception {
    Socket plain = new Socket();
    plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, host, port, true)) {
      SSLParameters p = s.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS");
      p.setServerNames(List.of(new SNIHostName(host)));
      s.setSSLParameters(p);
      s.setSoTimeout(15_000);
      return exchange(s, host);
    }
  }

  private static String http(int port, String host) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5000);
      s.getOutputStream()
          .write(
              ("GET /x HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String exchange(Socket s, String host) throws IOException {
    s.getOutputStream()
        .write(
            ("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String status = response.split(" ", 3)[1];
    int bodyAt = response.indexOf("\r\n\r\n");
    return status + " " + (bodyAt < 0 ? "" : response.substring(bodyAt + 4));
  }

  private static void awaitStatus(SSLContext ctx, int port, String host, String status)
      throws Exception {
    await(host + " answers " + status)
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> https(ctx, port, host), answer -> answer.startsWith(status));
  }

  private static DevProxyFiles.Info awaitInfo(DevProxyFiles files, CompletableFuture<Integer> exit)
      throws Exception {
    return await("the proxy writes " + files.info())
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              if (exit.isDone()) {
                throw new AssertionError("the proxy ended with " + exit.get());
              }
              return files.readInfo();
            },
            Objects::nonNull);
  }

  /** A free port P with P-1 free too. */
  static int freePortPair() throws IOException {
    for (int i = 0; i < 200; i++) {
      int p = ThreadLocalRandom.current().nextInt(12_001, 32_000);
      try (ServerSocket a = new ServerSocket(p, 1, InetAddress.getLoopbackAddress());
          ServerSocket b = new ServerSocket(p - 1, 1, InetAddress.getLoopbackAddress())) {
        return p;
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new IOException("no two adjacent free ports found");
  }
}
