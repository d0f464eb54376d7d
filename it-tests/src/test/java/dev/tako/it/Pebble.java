package dev.tako.it;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A real ACME CA for an integration test: Pebble (Debian package {@code pebble}) on 127.0.0.1, with
 * {@code pebble-challtestsrv} as its DNS server answering 127.0.0.1 for every name, so Pebble
 * validates HTTP-01 at {@code http://<route host>:<httpPort>/}, a node's plain proxy port.
 *
 * <p>Two steps, because the node must trust Pebble's HTTPS certificate before Pebble can know the
 * node's port: {@link #prepare} makes that certificate ({@link #listenerCertificate()}), {@link
 * #start} runs both processes; {@link #close()} stops them by PID.
 */
final class Pebble implements AutoCloseable {
  final Path dir;
  private final SSLContext trustListener;
  private final List<Process> processes = new ArrayList<>();
  private int port;
  private int managementPort;

  private Pebble(Path dir, SSLContext trustListener) {
    this.dir = dir;
    this.trustListener = trustListener;
  }

  /** Writes Pebble's own HTTPS certificate and key (self-signed for 127.0.0.1). */
  static Pebble prepare(Path dir) throws Exception {
    Files.createDirectories(dir);
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair key = g.generateKeyPair();
    X500Name name = new X500Name("CN=127.0.0.1");
    var builder =
        new JcaX509v3CertificateBuilder(
            name,
            BigInteger.valueOf(System.nanoTime()),
            Date.from(Instant.now().minusSeconds(60)),
            Date.from(Instant.now().plus(Duration.ofDays(2))),
            name,
            key.getPublic());
    builder.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
    X509Certificate cert =
        new JcaX509CertificateConverter()
            .getCertificate(
                builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", key.getPrivate().getEncoded()));
    Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", cert.getEncoded()));
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("pebble-listener", cert);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return new Pebble(dir, ctx);
  }

  /** The PEM file a client of Pebble's HTTPS (the node's ACME client) must trust. */
  Path listenerCertificate() {
    return dir.resolve("cert.pem");
  }

  /** Starts the DNS server and Pebble; challenges are validated on {@code httpPort}. */
  void start(int httpPort) throws Exception {
    port = freePort();
    managementPort = freePort();
    int dns = freePort();
    int dnsManagement = freePort();
    Files.writeString(
        dir.resolve("pebble-config.json"),
        "{\"pebble\": {\"listenAddress\": \"127.0.0.1:"
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
  }

  String directory() {
    return "https://127.0.0.1:" + port + "/dir";
  }

  /** The root of the chains Pebble issues (made fresh at each start), from its management API. */
  X509Certificate root() throws Exception {
    HttpResponse<byte[]> r =
        HttpClient.newBuilder()
            .sslContext(trustListener)
            .build()
            .send(
                HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + managementPort + "/roots/0"))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IOException("pebble /roots/0 answered " + r.statusCode());
    }
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(r.body()));
  }

  String log() throws IOException {
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
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor();
      }
    }
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void spawn(String name, Map<String, String> env, String... cmd) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve(name + ".log").toFile());
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    processes.add(pb.start());
  }

  private void awaitListening(int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      for (Process p : processes) {
        if (!p.isAlive()) {
          throw new AssertionError("pebble exited with " + p.exitValue() + "\n" + log());
        }
      }
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new AssertionError("pebble does not listen on " + port + "\n" + log());
  }
}
