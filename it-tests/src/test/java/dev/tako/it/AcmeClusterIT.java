package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tako.node.tls.CertificateStore;
import dev.tako.node.tls.PebbleServer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACME for an environment on two servers behind one name: a two-region playground ({@code nyc},
 * {@code la}) and an app with {@code servers = ["nyc", "la"]}, so nyc orders the one certificate,
 * while Pebble validates HTTP-01 on la's plain port only, as a CA's vantage point reaching another
 * server would. The order succeeds only if nyc shared the challenge with la; then both serve the
 * same certificate (same serial, verified against Pebble's root by curl), one order was placed in
 * all, the key is 0600 on both, no log shows it, and la, restarted without its copy, gets it back
 * from nyc instead of ordering. A deploy that changes only the ACME contact is a new release.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AcmeClusterIT {
  static final String ORDERER = "nyc";
  static final String OTHER = "la";
  static final String HOST = AcmeIT.HOST;

  @TempDir static Path tmp;
  PebbleServer pebble;
  LocalPlayground playground;
  TakoCli tako;

  @BeforeAll
  void up() throws Exception {
    pebble = PebbleServer.prepare(tmp.resolve("pebble"));
    playground =
        LocalPlayground.up(
            tmp,
            List.of(ORDERER, OTHER),
            LocalPlayground.FAST_NODE_CONF
                + "\ntako.tls.acme { directory-ca = \""
                + pebble.listenerCertificate()
                + "\", retry-min = 1s, retry-max = 3s, order-timeout = 30s }");
    tako = playground.tako;
    // The CA reaches the host on la's port: a challenge known to nyc alone fails.
    pebble.start(playground.proxyPorts.get(OTHER));
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
  void oneNodeOrdersWithTheChallengeSharedAndBothServeTheSameCertificate() throws Exception {
    Path app = Apps.write(tmp.resolve("shop"), "shop", "s", "", List.of(ORDERER, OTHER));
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
    int nycHttps = playground.httpsPorts.get(ORDERER);
    int laHttps = playground.httpsPorts.get(OTHER);

    // Both servers answer over HTTPS with a certificate from the CA (curl trusts only its root).
    assertTrue(AcmeIT.awaitCurl(root, nycHttps, "/", this::logs).startsWith("s|nyc|"));
    assertTrue(AcmeIT.awaitCurl(root, laHttps, "/", this::logs).startsWith("s|la|"));

    // The same certificate on both, stored on both with the key owner-only.
    BigInteger serial = AcmeIT.servedSerial(root, nycHttps);
    assertEquals(serial, AcmeIT.servedSerial(root, laHttps), this::logs);
    for (String server : List.of(ORDERER, OTHER)) {
      Path dir = home(server).resolve("certs/" + HOST);
      assertEquals("rw-------", AcmeIT.perms(dir.resolve("key.pem")), server);
      assertEquals(serial, AcmeIT.leaf(dir.resolve("chain.pem")).getSerialNumber(), server);
    }
    assertEquals(
        Files.readString(home(ORDERER).resolve("certs/" + HOST + "/key.pem")),
        Files.readString(home(OTHER).resolve("certs/" + HOST + "/key.pem")));

    // One order in all, by nyc, with the challenge known to la before the CA came.
    String nyc = log(ORDERER);
    String la = log(OTHER);
    // For the report: the nodes' own account.
    (nyc + la)
        .lines()
        .filter(l -> l.contains("certificate for") || l.contains("challenge for"))
        .forEach(System.out::println);
    assertEquals(1, AcmeIT.count(nyc, "ordering a certificate for " + HOST), nyc);
    assertEquals(0, AcmeIT.count(la, "a certificate for " + HOST + " ("), la);
    assertTrue(nyc.contains("challenge for " + HOST + " known to [" + OTHER + "]"), nyc);
    assertTrue(la.contains("certificate for " + HOST + " received from " + ORDERER), la);
    assertFalse((nyc + la).contains("PRIVATE KEY"), "no key in the logs");

    // la restarts without its copy: it gets it from nyc, no new order anywhere.
    long laLogBefore = Files.size(home(OTHER).resolve("node.log"));
    assertEquals(0, tako.run(tmp, "playground", "stop", OTHER).exit());
    LocalPlayground.deleteTree(home(OTHER).resolve("certs/" + HOST));
    TakoCli.Result start = tako.run(tmp, "playground", "start", OTHER);
    assertEquals(0, start.exit(), start::toString);
    playground.nodePids.put(OTHER, pid(OTHER));
    assertTrue(AcmeIT.awaitCurl(root, laHttps, "/", this::logs).startsWith("s|la|"));
    assertEquals(serial, AcmeIT.servedSerial(root, laHttps));
    String laAgain = log(OTHER);
    String sinceRestart = laAgain.substring((int) Math.min(laLogBefore, laAgain.length()));
    assertTrue(
        sinceRestart.contains("certificate for " + HOST + " received from " + ORDERER),
        sinceRestart);
    assertEquals(0, AcmeIT.count(sinceRestart, "a certificate for " + HOST + " ("), sinceRestart);
    assertEquals(1, AcmeIT.count(log(ORDERER), "a certificate for " + HOST + " ("), log(ORDERER));
    assertEquals("rw-------", AcmeIT.perms(home(OTHER).resolve("certs/" + HOST + "/key.pem")));

    // The ACME contact alone changed: a new release (not "unchanged"), and no new order.
    String release = deploy.json().get("release").asText();
    Files.writeString(
        app.resolve("tako.toml"),
        Files.readString(app.resolve("tako.toml")).replace("ops@shop.test", "web@shop.test"));
    TakoCli.Result again = tako.run(app, "deploy", "--json");
    assertEquals(0, again.exit(), again::toString);
    assertFalse(release.equals(again.json().get("release").asText()), again::toString);
    for (JsonNode s : again.json().get("servers")) {
      assertEquals("switched", s.get("result").asText(), again::toString);
    }
    assertEquals(serial, AcmeIT.servedSerial(root, nycHttps));
    assertEquals(1, AcmeIT.count(log(ORDERER), "a certificate for " + HOST + " ("), log(ORDERER));
  }

  Path home(String server) {
    return playground.nodeHomes.get(server);
  }

  String log(String server) throws Exception {
    return Files.readString(home(server).resolve("node.log"));
  }

  String logs() {
    StringBuilder out = new StringBuilder();
    for (String server : List.of(ORDERER, OTHER)) {
      try {
        out.append("--- ").append(server).append(" node.log\n").append(log(server));
      } catch (Exception e) {
        out.append("(").append(server).append(" log unreadable: ").append(e).append(")\n");
      }
    }
    try {
      out.append(pebble.log());
    } catch (Exception e) {
      out.append("(pebble log unreadable)");
    }
    return out.toString();
  }

  long pid(String server) throws Exception {
    TakoCli.Result ls = tako.run(tmp, "playground", "ls", "--json");
    assertEquals(0, ls.exit(), ls::toString);
    for (JsonNode s : ls.json().get("servers")) {
      if (s.get("name").asText().equals(server)) {
        return s.get("pid").asLong();
      }
    }
    throw new AssertionError("no server " + server + " in\n" + ls);
  }
}
