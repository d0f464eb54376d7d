package dev.tako.node.tls;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real Pebble ACME CA (Debian package {@code pebble}) on 127.0.0.1 for one test class, with
 * {@code pebble-challtestsrv} as its DNS server answering 127.0.0.1 for every name. Pebble
 * validates HTTP-01 challenges at {@code http://<host>:<httpPort>/}. Both processes are stopped by
 * PID in {@link #close()}.
 *
 * <p>Shared with it-tests (node's test jar). Two steps when the party that must trust Pebble's
 * HTTPS certificate starts before Pebble can know the port to validate on (a playground node):
 * {@link #prepare} makes that certificate ({@link #listenerCertificate()}), {@link #start(int)}
 * runs both processes.
 */
public final class PebbleServer implements AutoCloseable {
  final Path dir;
  int port;
  int managementPort;
  private final List<Process> processes = new ArrayList<>();
  private final SSLContext trustListener;

  private PebbleServer(Path dir, SSLContext trustListener) {
    this.dir = dir;
    this.trustListener = trustListener;
  }

  /** Prepares and starts Pebble validating challenges on {@code httpPort}. */
  public static PebbleServer start(Path dir, int httpPort) throws Exception {
    PebbleServer pebble = prepare(dir);
    pebble.start(httpPort);
    return pebble;
  }

  /** Writes Pebble's own HTTPS certificate and key (self-signed for 127.0.0.1); starts nothing. */
  public static PebbleServer prepare(Path dir) throws Exception {
    Files.createDirectories(dir);
    KeyPair key = CertificateStore.newKeyPair();
    X509Certificate cert =
        TestCertificates.selfSigned(key, "127.0.0.1", Instant.now().plus(Duration.ofDays(2)));
    Files.writeString(
        dir.resolve("key.pem"), CertificateStore.pem("PRIVATE KEY", key.getPrivate().getEncoded()));
    Files.writeString(
        dir.resolve("cert.pem"), CertificateStore.pem("CERTIFICATE", cert.getEncoded()));
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("pebble-listener", cert);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return new PebbleServer(dir, ctx);
  }

  /** Starts the DNS server and Pebble; challenges are validated on {@code httpPort}. */
  public void start(int httpPort) throws Exception {
    port = freePort();
    managementPort = freePort();
    int dns = freePort();
    int dnsManagement = freePort();
    Files.writeString(
        dir.resolve("pebble-config.json"),
        "{\"pebble\": {"
            + "\"listenAddress\": \"127.0.0.1:"
            + port
            + "\", \"managementListenAddress\": \"127.0.0.1:"
            + managementPort
            + "\", \"certificate\": \""
            + dir.resolve("cert.pem")
            + "\", \"privateKey\": \""
            + dir.resolve("key.pem")
            + "\", \"httpPort\": "
            + httpPort
            + ", \"tlsPort\": "
            + freePort()
            + ", \"ocspResponderURL\": \"\", \"externalAccountBindingRequired\": false}}\n");
    try {
      spawn(
          "challtestsrv",
          Map.of(),
          "/usr/bin/pebble-challtestsrv",
          "-defaultIPv4",
          "127.0.0.1",
          "-defaultIPv6",
          "",
          "-dns01",
          "127.0.0.1:" + dns,
          "-http01",
          "",
          "-https01",
          "",
          "-tlsalpn01",
          "",
          "-management",
          "127.0.0.1:" + dnsManagement);
      awaitListening(dnsManagement);
      spawn(
          "pebble",
          Map.of("PEBBLE_VA_NOSLEEP", "1", "PEBBLE_WFE_NONCEREJECT", "0"),
          "/usr/bin/pebble",
          "-config",
          dir.resolve("pebble-config.json").toString(),
          "-dnsserver",
          "127.0.0.1:" + dns);
      awaitListening(port);
      awaitListening(managementPort);
    } catch (Exception | AssertionError e) {
      close();
      throw e;
    }
  }

  /** The ACME directory URL. */
  public String directory() {
    return "https://127.0.0.1:" + port + "/dir";
  }

  /** The PEM file of the certificate Pebble's HTTPS listeners present. */
  public Path listenerCertificate() {
    return dir.resolve("cert.pem");
  }

  /** The root that Pebble's issued chains lead to (made fresh at each start). */
  public X509Certificate root() throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(trustListener).build();
    HttpResponse<byte[]> r =
        client.send(
            HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + managementPort + "/roots/0"))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IOException("pebble /roots/0 answered " + r.statusCode());
    }
    return CertificateStore.readChain(r.body()).get(0);
  }

  /** What both processes printed. */
  public String log() throws IOException {
    StringBuilder out = new StringBuilder();
    for (String name : List.of("challtestsrv", "pebble")) {
      Path f = dir.resolve(name + ".log");
      if (Files.exists(f)) {
        out.append("--- ").append(name).append('\n').append(Files.readString(f));
      }
    }
    return out.toString();
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor();
      }
    }
  }

  static int freePort() throws IOException {
    // below the kernel's ephemeral range, so no outgoing connection takes it before Pebble binds it
    return dev.tako.protocol.ports.InstancePorts.next(
        dev.tako.protocol.ports.InstancePorts.PortRange.parse("auto"));
  }

  private void spawn(String name, Map<String, String> env, String... cmd) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve(name + ".log").toFile());
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    processes.add(pb.start());
  }

  private void awaitListening(int port) {
    await("pebble listens on " + port)
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              for (Process p : processes) {
                if (!p.isAlive()) {
                  throw new AssertionError("pebble exited: " + p.exitValue() + "\n" + log());
                }
              }
              try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return true;
              } catch (IOException e) {
                return false;
              }
            });
  }
}
