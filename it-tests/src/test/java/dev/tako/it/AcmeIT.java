package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tako.node.tls.CertificateStore;
import dev.tako.node.tls.PebbleServer;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS with certificates from a real ACME CA: a one-region playground whose node trusts Pebble's
 * HTTPS ({@code tako.tls.acme.directory-ca}), Pebble validating HTTP-01 on the node's plain proxy
 * port. An app deployed with {@code tls = "acme"} gets a certificate that verifies against Pebble's
 * root (curl, trusting that root only), plain HTTP redirects to HTTPS except ACME challenges, the
 * key is stored 0600 in the node home, and a restarted node serves the stored certificate without a
 * new order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AcmeIT {
  static final String REGION = "la";
  static final String HOST = "shop.localhost";

  @TempDir static Path tmp;
  PebbleServer pebble;
  LocalPlayground playground;
  TakoCli tako;
  int plainPort;

  @BeforeAll
  void up() throws Exception {
    pebble = PebbleServer.prepare(tmp.resolve("pebble"));
    playground =
        LocalPlayground.up(
            tmp,
            List.of(REGION),
            LocalPlayground.FAST_NODE_CONF
                + "\ntako.tls.acme { directory-ca = \""
                + pebble.listenerCertificate()
                + "\", retry-min = 1s, retry-max = 5s, order-timeout = 30s }");
    tako = playground.tako;
    plainPort = playground.proxyPorts.get(REGION);
    pebble.start(plainPort);
  }

  @AfterAll
  void down() throws Exception {
    try {
      if (playground != null) {
        playground.down();
      }
    } finally {
      if (pebble != null) {
        pebble.close();
      }
    }
  }

  @Test
  void anAcmeRouteIsServedWithACertificateFromTheCaAndKeepsItAcrossARestart() throws Exception {
    Path app = Apps.write(tmp.resolve("shop"), "shop", "s", "", List.of(REGION));
    Files.writeString(
        app.resolve("tako.toml"),
        Files.readString(app.resolve("tako.toml"))
            + "tls = \"acme\"\nacme_email = \"ops@shop.test\"\nacme_directory = \""
            + pebble.directory()
            + "\"\n");
    TakoCli.Result deploy = tako.run(app, "deploy", "--json");
    assertEquals(0, deploy.exit(), deploy::toString);

    Path root = tmp.resolve("pebble-root.pem");
    Files.writeString(root, CertificateStore.pem("CERTIFICATE", pebble.root().getEncoded()));
    int httpsPort = playground.httpsPorts.get(REGION);

    // A real client that trusts only Pebble's root gets the app over HTTPS by SNI.
    String body = awaitCurl(root, httpsPort, "/hello");
    assertTrue(body.startsWith("s|la|"), body);

    // Plain HTTP redirects to HTTPS; an ACME challenge path is not redirected.
    HttpResponse<String> redirect = Http.get(plainPort, HOST, "/hello?x=1");
    assertEquals(307, redirect.statusCode(), redirect::toString);
    assertEquals(
        "https://" + HOST + ":" + httpsPort + "/hello?x=1",
        redirect.headers().firstValue("Location").orElse(null));
    HttpResponse<String> challenge = Http.get(plainPort, HOST, "/.well-known/acme-challenge/x");
    assertEquals(200, challenge.statusCode(), "an unknown token goes on to the app, no redirect");
    assertTrue(challenge.body().startsWith("s|la|"), challenge.body());

    // Stored in the node home, the key owner-only.
    Path home = playground.nodeHomes.get(REGION);
    Path dir = home.resolve("certs/" + HOST);
    assertEquals("rw-------", perms(dir.resolve("key.pem")));
    assertEquals("rw-------", perms(home.resolve("acme/account.key")));
    X509Certificate stored = leaf(dir.resolve("chain.pem"));
    assertEquals(stored.getSerialNumber(), servedSerial(root, httpsPort));
    String chainBefore = Files.readString(dir.resolve("chain.pem"));

    // A restarted node serves the stored certificate and orders nothing.
    long logBefore = Files.size(home.resolve("node.log"));
    assertEquals(0, tako.run(tmp, "playground", "stop", REGION).exit());
    TakoCli.Result start = tako.run(tmp, "playground", "start", REGION);
    assertEquals(0, start.exit(), start::toString);
    playground.nodePids.put(REGION, nodePid());
    assertTrue(awaitCurl(root, httpsPort, "/").startsWith("s|la|"));
    assertEquals(stored.getSerialNumber(), servedSerial(root, httpsPort));
    assertEquals(chainBefore, Files.readString(dir.resolve("chain.pem")));
    String log = Files.readString(home.resolve("node.log"));
    // For the report: the node's own account of the order.
    log.lines().filter(l -> l.contains("certificate")).forEach(System.out::println);
    String sinceRestart = log.substring((int) Math.min(logBefore, log.length()));
    assertTrue(log.contains("ordering a certificate for " + HOST), log);
    assertEquals(0, count(sinceRestart, "a certificate for " + HOST), sinceRestart);
    assertTrue(sinceRestart.contains("serving 1 stored certificate(s)"), sinceRestart);
  }

  /** Awaits a 200 from curl over HTTPS with SNI {@link #HOST}, trusting only {@code root}. */
  String awaitCurl(Path root, int httpsPort, String path) {
    return awaitCurl(root, httpsPort, path, this::logs);
  }

  /**
   * Awaits a 200 from curl over HTTPS with SNI {@link #HOST}, trusting only {@code root}; returns
   * the body. The failure shows {@code logs}.
   */
  static String awaitCurl(
      Path root, int httpsPort, String path, java.util.function.Supplier<String> logs) {
    AtomicReference<String> last = new AtomicReference<>("nothing yet");
    try {
      return Awaitility.await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                ProcessBuilder pb =
                    new ProcessBuilder(
                        "curl",
                        "-sS",
                        "--max-time",
                        "10",
                        "--cacert",
                        root.toString(),
                        "--resolve",
                        HOST + ":" + httpsPort + ":127.0.0.1",
                        "-w",
                        "\n%{http_code}",
                        "https://" + HOST + ":" + httpsPort + path);
                pb.redirectErrorStream(true);
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor(15, TimeUnit.SECONDS);
                last.set("exit " + p.exitValue() + ": " + out);
                return p.exitValue() == 0 && out.endsWith("\n200")
                    ? out.substring(0, out.length() - 4)
                    : null;
              },
              r -> r != null);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "no verified HTTPS answer for "
              + HOST
              + " on port "
              + httpsPort
              + "; last: "
              + last.get()
              + "\n"
              + logs.get(),
          e);
    }
  }

  String logs() {
    try {
      return "--- node.log\n"
          + Files.readString(playground.nodeHomes.get(REGION).resolve("node.log"))
          + pebble.log();
    } catch (Exception e) {
      return "(logs unreadable: " + e + ")";
    }
  }

  /** The serial of the certificate the HTTPS port presents for {@link #HOST}. */
  static BigInteger servedSerial(Path root, int httpsPort) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("root", leaf(root));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    try (Socket raw = new Socket(InetAddress.getLoopbackAddress(), httpsPort);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, HOST, httpsPort, true)) {
      var params = s.getSSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS");
      s.setSSLParameters(params);
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  static X509Certificate leaf(Path pem) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(pem)));
  }

  long nodePid() throws Exception {
    return server().get("pid").asLong();
  }

  JsonNode server() throws Exception {
    TakoCli.Result ls = tako.run(tmp, "playground", "ls", "--json");
    assertEquals(0, ls.exit(), ls::toString);
    for (JsonNode s : ls.json().get("servers")) {
      if (s.get("name").asText().equals(REGION)) {
        return s;
      }
    }
    throw new AssertionError("no server " + REGION + " in\n" + ls);
  }

  static String perms(Path file) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
  }

  static int count(String text, String needle) {
    Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
