package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spine, end to end on one machine: a real 4-region playground (four node JVMs forming one
 * Pekko cluster over mutual TLS, each with its own SSH endpoint), deploys through the packaged CLI
 * over SSH/SFTP, and every region answering through its own proxy. One playground for the class;
 * each test deploys its own app so none depends on another's leftovers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlaygroundIT {
  static final List<String> REGIONS = List.of("la", "nyc", "fra", "sgp");

  @TempDir static Path tmp;
  LocalPlayground playground;
  TakoCli tako;
  Map<String, Integer> proxyPorts;

  @BeforeAll
  void up() throws Exception {
    playground = LocalPlayground.up(tmp, REGIONS);
    tako = playground.tako;
    proxyPorts = playground.proxyPorts;
  }

  @AfterAll
  void down() throws Exception {
    playground.down();
    assertFalse(Files.readString(tako.home.resolve("config.toml")).contains("[servers."));
  }

  static boolean alive(long pid) {
    return LocalPlayground.alive(pid);
  }

  @Test
  void deployServesEveryRegionThroughItsOwnProxyAndStatusShowsIt() throws Exception {
    Path app = Apps.write(tmp.resolve("hello"), "hello", "hi", "", REGIONS);
    TakoCli.Result deploy = tako.run(app, "deploy", "--json");
    assertEquals(0, deploy.exit(), deploy::toString);
    JsonNode result = deploy.json();
    assertTrue(result.get("ok").asBoolean());
    String release = result.get("release").asText();
    assertTrue(release.matches("r[0-9a-f]{10}"), release);
    List<String> order = new ArrayList<>();
    for (JsonNode s : result.get("servers")) {
      order.add(s.get("server").asText());
      assertEquals("switched", s.get("result").asText(), deploy::toString);
    }
    assertEquals(REGIONS, order);

    for (String region : REGIONS) {
      HttpResponse<String> r = Http.get(proxyPorts.get(region), "hello.localhost:80", "/");
      assertEquals(200, r.statusCode(), r::body);
      assertEquals("hi|" + region + "|" + release + "|" + region, r.body());
    }

    TakoCli.Result status = tako.run(app, "status", "--json");
    assertEquals(0, status.exit(), status::toString);
    JsonNode view = status.json();
    Set<String> regions = new HashSet<>();
    for (JsonNode m : view.get("cluster").get("members")) {
      assertEquals("up", m.get("status").asText(), status::toString);
      regions.add(m.get("region").asText());
    }
    assertEquals(new HashSet<>(REGIONS), regions);
    JsonNode apps = view.get("apps");
    assertEquals(1, apps.size(), "inside the app directory only that app is shown");
    assertEquals("hello", apps.get(0).get("app").asText());
    assertEquals(4, apps.get(0).get("servers").size());
    for (JsonNode s : apps.get(0).get("servers")) {
      assertEquals(release, s.get("release").asText());
      assertEquals(
          "http://127.0.0.1:" + proxyPorts.get(s.get("server").asText()), s.get("url").asText());
      JsonNode instance = s.get("instances").get(0);
      assertEquals("ready", instance.get("state").asText());
      assertTrue(instance.get("healthy").asBoolean());
      assertTrue(alive(instance.get("pid").asLong()), "the pid is the app's own process");
    }

    // Prometheus metrics on the node's metrics port.
    JsonNode pg = tako.run(tmp, "playground", "ls", "--json").json();
    int metricsPort = pg.get("servers").get(0).get("metrics_port").asInt();
    String metrics =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString())
            .body();
    assertTrue(metrics.contains("tako_cluster_members{server=\"la\",status=\"up\"} 4"), metrics);
    assertTrue(metrics.contains("app=\"hello\",env=\"production\",state=\"ready\"} 1"), metrics);

    TakoCli.Result again = tako.run(app, "deploy", "--json");
    assertEquals(0, again.exit(), again::toString);
    for (JsonNode s : again.json().get("servers")) {
      assertEquals("unchanged", s.get("result").asText(), again::toString);
    }
  }

  @Test
  void aReleaseFailingOnOneServerSwitchesNothingAnywhere() throws Exception {
    Path v1 = Apps.write(tmp.resolve("atom"), "atom", "v1", "", REGIONS);
    TakoCli.Result first = tako.run(v1, "deploy", "--json");
    assertEquals(0, first.exit(), first::toString);
    String release1 = first.json().get("release").asText();

    Apps.write(
        tmp.resolve("atom"),
        "atom",
        "v2",
        "if (process.env.TAKO_SERVER === 'sgp') { console.error('boom on sgp'); process.exit(3); }",
        REGIONS);
    TakoCli.Result second = tako.run(v1, "deploy", "--json");
    assertEquals(1, second.exit(), second::toString);
    JsonNode result = second.json();
    assertFalse(result.get("ok").asBoolean());
    for (JsonNode s : result.get("servers")) {
      String server = s.get("server").asText();
      if (server.equals("sgp")) {
        assertEquals("failed", s.get("result").asText());
        assertTrue(s.get("error").asText().contains("boom on sgp"), second::toString);
      } else {
        assertEquals("not-switched", s.get("result").asText(), second::toString);
      }
    }
    for (String region : REGIONS) {
      HttpResponse<String> r = Http.get(proxyPorts.get(region), "atom.localhost", "/");
      assertEquals(200, r.statusCode());
      assertTrue(r.body().startsWith("v1|" + region + "|" + release1), r.body());
    }
    TakoCli.Result status = tako.run(v1, "status", "--json");
    for (JsonNode s : status.json().get("apps").get(0).get("servers")) {
      assertEquals(release1, s.get("release").asText());
      for (JsonNode i : s.get("instances")) {
        assertEquals(
            release1, i.get("release").asText(), "no instance of the failed release is left");
      }
    }
  }

  @Test
  void rotatedCertificatesAreInstalledAndARestartedNodeJoinsWithThem() throws Exception {
    Path crt = tako.home.resolve("playground/fra/tls/node.crt");
    String before = Files.readString(crt);
    TakoCli.Result rotate = tako.run(tmp, "servers", "rotate-certs");
    assertEquals(0, rotate.exit(), rotate::toString);
    assertNotEquals(before, Files.readString(crt), "fra has a new certificate");
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(tako.home.resolve("playground/fra/tls/node.key"))));
    // The running cluster keeps working, and a node restarted with its new certificate rejoins.
    assertEquals(0, tako.run(tmp, "playground", "stop", "fra").exit());
    TakoCli.Result start = tako.run(tmp, "playground", "start", "fra");
    assertEquals(0, start.exit(), start::toString);
    TakoCli.Result status = tako.run(tmp, "status", "--json");
    for (JsonNode m : status.json().get("cluster").get("members")) {
      assertEquals("up", m.get("status").asText(), status::toString);
    }
  }

  @Test
  void tlsSelfSignedServesHttpsAndRedirectsPlainHttp() throws Exception {
    Path app = Apps.write(tmp.resolve("secure"), "secure", "tls", "", List.of("la", "nyc"));
    Files.writeString(
        app.resolve("tako.toml"), "tls = \"self-signed\"\n", StandardOpenOption.APPEND);
    TakoCli.Result deploy = tako.run(app, "deploy", "--json");
    assertEquals(0, deploy.exit(), deploy::toString);
    String release = deploy.json().get("release").asText();
    for (String region : List.of("la", "nyc")) {
      int https = playground.httpsPorts.get(region);
      // A real TLS client (curl) asking for the route's name by SNI.
      Process curl =
          new ProcessBuilder(
                  "curl",
                  "-sk",
                  "--max-time",
                  "10",
                  "-w",
                  "|%{http_code}|%{ssl_verify_result}",
                  "--resolve",
                  "secure.localhost:" + https + ":127.0.0.1",
                  "https://secure.localhost:" + https + "/")
              .redirectErrorStream(true)
              .start();
      String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, curl.waitFor(), out);
      assertTrue(out.startsWith("tls|" + region + "|" + release + "|" + region + "|200|"), out);

      HttpResponse<String> plain =
          Http.get(proxyPorts.get(region), "secure.localhost", "/page?x=1");
      assertEquals(307, plain.statusCode(), plain::body);
      assertEquals(
          "https://secure.localhost:" + https + "/page?x=1",
          plain.headers().firstValue("location").orElse(""));
    }
    JsonNode view = tako.run(app, "status", "--json").json();
    for (JsonNode a : view.get("apps")) {
      if (a.get("app").asText().equals("secure")) {
        for (JsonNode s : a.get("servers")) {
          assertEquals(
              "https://127.0.0.1:" + playground.httpsPorts.get(s.get("server").asText()),
              s.get("url").asText());
        }
      }
    }
  }

  @Test
  void unknownHostGets404() throws Exception {
    HttpResponse<String> r = Http.get(proxyPorts.get("fra"), "nobody.localhost", "/");
    assertEquals(404, r.statusCode());
  }

  @Test
  void statusReportsAStoppedNodeAndItsAppsComeBackWhenItStarts() throws Exception {
    Path app = Apps.write(tmp.resolve("survivor"), "survivor", "alive", "", REGIONS);
    TakoCli.Result deploy = tako.run(app, "deploy", "--json");
    assertEquals(0, deploy.exit(), deploy::toString);
    String release = deploy.json().get("release").asText();

    TakoCli.Result stop = tako.run(tmp, "playground", "stop", "nyc");
    assertEquals(0, stop.exit(), stop::toString);
    try {
      TakoCli.Result status = tako.run(tmp, "status", "--json");
      assertEquals(0, status.exit(), "status exits 0 when it reached a node\n" + status);
      String nycStatus = null;
      for (JsonNode m : status.json().get("cluster").get("members")) {
        if (m.get("server").asText().equals("nyc")) {
          nycStatus = m.get("status").asText();
        }
      }
      assertNotEquals("up", nycStatus, status::toString);
      assertTrue(nycStatus != null, "the stopped server is still reported\n" + status);
      HttpResponse<String> la = Http.get(proxyPorts.get("la"), "survivor.localhost", "/");
      assertEquals(200, la.statusCode(), "the other regions keep serving");
    } finally {
      TakoCli.Result start = tako.run(tmp, "playground", "start", "nyc");
      assertEquals(0, start.exit(), start::toString);
    }
    HttpResponse<String> r =
        Http.await(
            proxyPorts.get("nyc"),
            "survivor.localhost",
            "/",
            resp -> resp.statusCode() == 200,
            Duration.ofSeconds(30));
    assertEquals("alive|nyc|" + release + "|nyc", r.body(), "restored from nyc's own journal");
  }

  @Test
  void aNodeWithACertificateFromAnotherCaCannotJoin() throws Exception {
    Path rogue = Files.createDirectories(tmp.resolve("rogue/tls"));
    var creds = dev.tako.cli.tls.ClusterCa.loadOrCreate(tmp.resolve("other-ca")).issue("rogue");
    Files.writeString(rogue.resolve("node.key"), creds.keyPem());
    Files.writeString(rogue.resolve("node.crt"), creds.certPem());
    Files.writeString(rogue.resolve("ca.crt"), creds.caCertPem());
    Path home = rogue.getParent();
    JsonNode pg =
        dev.tako.protocol.Json.lenient()
            .readTree(tako.home.resolve("playground/playground.json").toFile());
    List<String> seeds = new ArrayList<>();
    for (JsonNode n : pg.get("servers")) {
      // wan-playground: peers dial a node's relay on its own address
      seeds.add(n.get("address").asText() + ":" + n.get("cluster_relay_port").asInt());
    }
    int api = freePort();
    String conf =
        new dev.tako.protocol.config.NodeConf(
                "rogue",
                "rogue",
                "127.0.0.1",
                "127.0.0.1",
                api,
                freePort(),
                freePort(),
                freePort(),
                0,
                "127.0.0.1",
                freePort(),
                seeds,
                null)
            .render();
    Files.writeString(home.resolve("node.conf"), conf);
    Process node =
        new ProcessBuilder(
                java(),
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "-cp",
                TakoCli.dist().resolve("lib/node") + "/*",
                "dev.tako.node.Main",
                home.toString())
            .redirectErrorStream(true)
            .redirectOutput(home.resolve("node.log").toFile())
            .start();
    try {
      // The TLS handshake with the real cluster fails: its log says so ...
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                String log = Files.readString(home.resolve("node.log"));
                return log.contains("PKIX")
                    || log.contains("SSLHandshakeException")
                    || log.contains("certificate_unknown")
                    || log.contains("bad_certificate");
              });
      // ... it never becomes a member, and the cluster does not list it.
      String token = Files.readString(home.resolve("admin.token")).trim();
      var client = java.net.http.HttpClient.newHttpClient();
      var request =
          java.net.http.HttpRequest.newBuilder(
                  java.net.URI.create("http://127.0.0.1:" + api + "/v1/ping"))
              .header("Authorization", "Bearer " + token)
              .build();
      // Its API may come up after the failed handshakes were logged.
      var ping =
          org.awaitility.Awaitility.await()
              .atMost(Duration.ofSeconds(30))
              .ignoreExceptions()
              .until(
                  () -> client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()),
                  r -> r.statusCode() == 200);
      assertTrue(ping.body().contains("\"up\":false"), ping::body);
      TakoCli.Result status = tako.run(tmp, "status", "--json");
      for (JsonNode m : status.json().get("cluster").get("members")) {
        assertNotEquals("rogue", m.get("server").asText(), status::toString);
      }
    } finally {
      node.destroy();
      if (!node.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        node.destroyForcibly().waitFor();
      }
    }
  }

  static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  static int freePort() throws java.io.IOException {
    // below the kernel's ephemeral range, so no outgoing connection takes it before it is bound
    return dev.tako.protocol.ports.InstancePorts.next(
        dev.tako.protocol.ports.InstancePorts.PortRange.parse("auto"));
  }
}
