package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tako servers add --install} against Debian's real OpenSSH {@code sshd} on a loopback port:
 * the CLI uploads the node distribution over SFTP, starts the node over SSH, waits until it formed
 * its cluster, then deploys an app to it and the app answers through the node's proxy. Also: a
 * changed host key is refused.
 */
class InstallOverOpenSshIT {
  @TempDir static Path tmp;
  static OpenSshd sshd;
  static int sshPort;
  static Path nodeHome;
  static TakoCli tako;

  @BeforeAll
  static void startSshd() throws Exception {
    sshd = OpenSshd.start(tmp); // skipped where OpenSSH is not installed or not root
    sshd.authorizedKey(tmp.resolve("client_key"), "ed25519");
    sshPort = sshd.port;
    nodeHome = tmp.resolve("opt-tako");
    tako = new TakoCli(Files.createDirectories(tmp.resolve("tako-home")), Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    OpenSshd.stopInstalledNode(nodeHome);
    if (sshd != null) {
      sshd.close();
    }
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    OpenSshd.run(java.util.Map.of(), cmd);
  }

  @Test
  void installsANodeOverSshThenDeploysToIt() throws Exception {
    int httpPort = PlaygroundIT.freePort();
    TakoCli.Result unknownKey =
        tako.run(
            tmp,
            "servers",
            "add",
            "box",
            "--host",
            "127.0.0.1",
            "--port",
            "" + sshPort,
            "--identity",
            tmp.resolve("client_key").toString(),
            "--home",
            nodeHome.toString());
    assertEquals(3, unknownKey.exit(), unknownKey::toString);
    assertTrue(unknownKey.err().contains("--accept-new-host-key"), unknownKey::toString);

    TakoCli.Result add =
        tako.run(
            tmp,
            Duration.ofMinutes(4),
            "servers",
            "add",
            "box",
            "--host",
            "127.0.0.1",
            "--port",
            "" + sshPort,
            "--user",
            "root",
            "--region",
            "fra",
            "--identity",
            tmp.resolve("client_key").toString(),
            "--home",
            nodeHome.toString(),
            "--api-port",
            "" + PlaygroundIT.freePort(),
            "--http-port",
            "" + httpPort,
            "--https-port",
            "" + PlaygroundIT.freePort(),
            "--cluster-port",
            "" + PlaygroundIT.freePort(),
            "--install",
            "--accept-new-host-key");
    assertEquals(0, add.exit(), add::toString);
    assertTrue(
        Files.readString(tako.home.resolve("known_hosts")).contains("[127.0.0.1]:" + sshPort));
    assertTrue(Files.exists(nodeHome.resolve("node.conf")));
    assertTrue(Files.exists(nodeHome.resolve("tls/node.key")));
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(nodeHome.resolve("admin.token"))));

    TakoCli.Result ls = tako.run(tmp, "servers", "ls", "--json");
    JsonNode server = ls.json().get("servers").get(0);
    assertEquals("box", server.get("name").asText());
    assertEquals(sshPort, server.get("port").asInt());
    assertEquals("fra", server.get("region").asText());

    Path app = Apps.write(tmp.resolve("app"), "boxed", "from-box", "", List.of("box"));
    TakoCli.Result deploy = tako.run(app, "deploy", "--json");
    assertEquals(0, deploy.exit(), deploy::toString);
    assertEquals("switched", deploy.json().get("servers").get(0).get("result").asText());
    HttpResponse<String> r = Http.get(httpPort, "boxed.localhost", "/");
    assertEquals(200, r.statusCode(), r::body);
    assertTrue(r.body().startsWith("from-box|box|"), r.body());

    TakoCli.Result status = tako.run(tmp, "status", "--json");
    assertEquals(0, status.exit(), status::toString);
    JsonNode member = status.json().get("cluster").get("members").get(0);
    assertEquals("box", member.get("server").asText());
    assertEquals("fra", member.get("region").asText());
    assertEquals("up", member.get("status").asText());

    // tako servers upgrade over SSH: the distribution swapped in, the node's process handed over
    // to a new one, which adopted the app (same pid)
    long nodeBefore = Long.parseLong(Files.readString(nodeHome.resolve("node.pid")).trim());
    long appBefore =
        StatusJson.serverEntry(status.json(), "boxed", "box")
            .get("instances")
            .get(0)
            .get("pid")
            .asLong();
    TakoCli.Result upgrade = tako.run(tmp, Duration.ofMinutes(4), "servers", "upgrade", "box");
    assertEquals(0, upgrade.exit(), upgrade::toString);
    assertTrue(upgrade.out().contains("box: "), upgrade::toString);
    assertTrue(upgrade.err().contains("handing over to a new node process"), upgrade::toString);
    TakoCli.Result after = tako.run(tmp, "status", "--json");
    assertEquals(
        appBefore,
        StatusJson.serverEntry(after.json(), "boxed", "box")
            .get("instances")
            .get(0)
            .get("pid")
            .asLong(),
        "the app's process was adopted, not restarted: " + after);
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !LocalPlayground.alive(nodeBefore));
    assertTrue(Files.isDirectory(nodeHome.resolve("dist.prev/lib")), "the old one is kept");
    assertTrue(Files.isDirectory(nodeHome.resolve("dist/lib")));
    long nodeAfter = Long.parseLong(Files.readString(nodeHome.resolve("node.pid")).trim());
    assertTrue(nodeAfter != nodeBefore, "the node was restarted");
    Http.await(
        httpPort,
        "boxed.localhost",
        "/",
        resp -> resp.statusCode() == 200 && resp.body().startsWith("from-box|box|"),
        Duration.ofSeconds(60));

    // tako servers rm --uninstall over SSH: the node and its home are gone
    TakoCli.Result rm = tako.run(tmp, "servers", "rm", "box", "--uninstall");
    assertEquals(0, rm.exit(), rm::toString);
    assertTrue(!Files.exists(nodeHome), "the node's home is gone: " + rm);
    assertTrue(!LocalPlayground.alive(nodeAfter), "the node stopped");
  }

  @Test
  void aChangedHostKeyIsRefused() throws Exception {
    Path home = Files.createDirectories(tmp.resolve("other-home"));
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", tmp.resolve("impostor").toString());
    String impostor = Files.readString(tmp.resolve("impostor.pub")).trim().split(" ")[1];
    Files.writeString(
        home.resolve("known_hosts"), "[127.0.0.1]:" + sshPort + " ssh-ed25519 " + impostor + "\n");
    TakoCli other = new TakoCli(home, Map.of());
    TakoCli.Result add =
        other.run(
            tmp,
            "servers",
            "add",
            "box",
            "--host",
            "127.0.0.1",
            "--port",
            "" + sshPort,
            "--identity",
            tmp.resolve("client_key").toString(),
            "--accept-new-host-key");
    assertEquals(3, add.exit(), add::toString);
    assertTrue(
        add.err().toLowerCase().contains("changed") || add.err().contains("does not match"),
        add::toString);
    assertTrue(add.err().contains("SHA256:"), add::toString);
  }
}
