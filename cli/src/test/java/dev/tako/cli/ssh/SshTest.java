package dev.tako.cli.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshTest {

  @TempDir Path dir;
  private TestSshServer server;
  private Path knownHosts;

  @BeforeEach
  void startServer() throws Exception {
    server = TestSshServer.start(dir);
    knownHosts = dir.resolve("tako-home").resolve("known_hosts");
  }

  @AfterEach
  void stopServer() throws Exception {
    server.close();
  }

  @Test
  void strictRefusesAnUnknownHostKeyAndSaysWhatToDo() {
    SshException e =
        assertThrows(
            SshException.class, () -> Ssh.connect(server.target(knownHosts), HostKeyPolicy.STRICT));
    String fingerprint = KeyFiles.sha256Fingerprint(server.hostKeys.getPublic());
    assertEquals(
        "error: the host key of 127.0.0.1:"
            + server.port()
            + " ("
            + fingerprint
            + ") is not known; check it and run again with --accept-new-host-key",
        e.getMessage());
    assertFalse(Files.exists(knownHosts), "STRICT must not record anything");
  }

  @Test
  void acceptNewRecordsTheKeyThenStrictConnects() throws Exception {
    try (SshSession s = Ssh.connect(server.target(knownHosts), HostKeyPolicy.ACCEPT_NEW)) {
      assertTrue(s.exists("/"));
    }
    String expected =
        "[127.0.0.1]:"
            + server.port()
            + " "
            + KeyFiles.authorizedKeyLine(server.hostKeys.getPublic(), null);
    assertEquals(List.of(expected), Files.readAllLines(knownHosts));

    try (SshSession s = Ssh.connect(server.target(knownHosts), HostKeyPolicy.STRICT)) {
      assertTrue(s.exists("/"));
    }
    try (SshSession s = Ssh.connect(server.target(knownHosts), HostKeyPolicy.ACCEPT_NEW)) {
      assertTrue(s.exists("/"));
    }
    assertEquals(1, Files.readAllLines(knownHosts).size(), "a known key is not recorded twice");
  }

  @Test
  void aKeyInAnyKnownHostsFileIsTrustedIncludingHashedEntries() throws Exception {
    Path userKnownHosts = dir.resolve("ssh").resolve("known_hosts");
    Files.createDirectories(userKnownHosts.getParent());
    byte[] salt = new byte[20];
    new java.security.SecureRandom().nextBytes(salt);
    Mac mac = Mac.getInstance("HmacSHA1");
    mac.init(new SecretKeySpec(salt, "HmacSHA1"));
    byte[] hash = mac.doFinal(("[127.0.0.1]:" + server.port()).getBytes(StandardCharsets.US_ASCII));
    Base64.Encoder b64 = Base64.getEncoder();
    Files.writeString(
        userKnownHosts,
        "# comment\nother.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
            + "|1|"
            + b64.encodeToString(salt)
            + "|"
            + b64.encodeToString(hash)
            + " "
            + KeyFiles.authorizedKeyLine(server.hostKeys.getPublic(), null)
            + "\n");
    SshTarget t =
        new SshTarget(
            "la",
            "127.0.0.1",
            server.port(),
            "tako",
            server.clientKey,
            List.of(userKnownHosts, knownHosts),
            knownHosts);
    try (SshSession s = Ssh.connect(t, HostKeyPolicy.STRICT)) {
      assertTrue(s.exists("/"));
    }
  }

  @Test
  void aChangedHostKeyIsAlwaysRefusedNamingFileAndFingerprints() throws Exception {
    var old = KeyFiles.generateRsa().getPublic();
    Files.createDirectories(knownHosts.getParent());
    Files.writeString(knownHosts, KeyFiles.knownHostsLine("127.0.0.1", server.port(), old) + "\n");
    for (HostKeyPolicy policy : HostKeyPolicy.values()) {
      SshException e =
          assertThrows(SshException.class, () -> Ssh.connect(server.target(knownHosts), policy));
      assertTrue(
          e.getMessage()
              .startsWith("error: the host key of 127.0.0.1:" + server.port() + " has CHANGED"),
          e.getMessage());
      assertTrue(e.getMessage().contains(knownHosts.toString()), e.getMessage());
      assertTrue(e.getMessage().contains(KeyFiles.sha256Fingerprint(old)), e.getMessage());
      assertTrue(
          e.getMessage().contains(KeyFiles.sha256Fingerprint(server.hostKeys.getPublic())),
          e.getMessage());
    }
    assertEquals(1, Files.readAllLines(knownHosts).size());
  }

  @Test
  void aRefusedConnectionSaysSo() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    SshTarget t =
        new SshTarget(
            "la", "127.0.0.1", closedPort, "tako", server.clientKey, List.of(), knownHosts);
    SshException e = assertThrows(SshException.class, () -> Ssh.connect(t, HostKeyPolicy.STRICT));
    assertEquals(
        "error: cannot reach la (127.0.0.1:"
            + closedPort
            + "): connection refused; is the server up and is sshd listening on that port?",
        e.getMessage());
  }

  @Test
  void aServerThatAcceptsAndThenHangsIsUnreachable() throws Exception {
    // As across a network partition: the connection is accepted, nothing ever comes back.
    try (ServerSocket hanging = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      SshTarget t =
          new SshTarget(
              "fra",
              "127.0.0.1",
              hanging.getLocalPort(),
              "tako",
              server.clientKey,
              List.of(),
              knownHosts);
      SshException e = assertThrows(SshException.class, () -> Ssh.connect(t, HostKeyPolicy.STRICT));
      assertEquals(
          "error: cannot reach fra (127.0.0.1:"
              + hanging.getLocalPort()
              + "): no answer within 5 s; check the address and port, and that no firewall drops"
              + " SSH",
          e.getMessage());
    }
  }

  @Test
  void aKeyTheServerDoesNotAcceptIsReported() throws Exception {
    Path otherKey = dir.resolve("other.key");
    KeyFiles.writePrivateKey(otherKey, KeyFiles.generateRsa().getPrivate());
    SshTarget t =
        new SshTarget("la", "127.0.0.1", server.port(), "tako", otherKey, List.of(), knownHosts);
    SshException e =
        assertThrows(SshException.class, () -> Ssh.connect(t, HostKeyPolicy.ACCEPT_NEW));
    assertTrue(e.getMessage().contains("did not accept the key " + otherKey), e.getMessage());
  }

  @Test
  void anEncryptedKeyWithoutAPassphraseSaysWhichVariableToSet() throws Exception {
    Assumptions.assumeTrue(System.getenv(Ssh.PASSPHRASE_ENV) == null);
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/ssh-keygen")), "needs ssh-keygen");
    Path key = dir.resolve("id_ed25519");
    Process p =
        new ProcessBuilder(
                "/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "secret", "-f", key.toString())
            .redirectErrorStream(true)
            .start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "ssh-keygen failed");
    SshTarget t =
        new SshTarget("la", "127.0.0.1", server.port(), "tako", key, List.of(), knownHosts);
    SshException e =
        assertThrows(SshException.class, () -> Ssh.connect(t, HostKeyPolicy.ACCEPT_NEW));
    assertEquals(
        "error: the SSH key "
            + key
            + " is encrypted; set TAKO_SSH_PASSPHRASE to its passphrase, or load the key into"
            + " your SSH agent with ssh-add",
        e.getMessage());
  }

  @Test
  void aMissingIdentityIsReported() {
    Path missing = dir.resolve("nope.key");
    SshTarget t =
        new SshTarget("la", "127.0.0.1", server.port(), "tako", missing, List.of(), knownHosts);
    SshException e =
        assertThrows(SshException.class, () -> Ssh.connect(t, HostKeyPolicy.ACCEPT_NEW));
    assertTrue(e.getMessage().contains(missing + " of server la does not exist"), e.getMessage());
  }
}
