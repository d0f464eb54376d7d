package dev.tako.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The playground's SSH endpoint gives {@code tako run} a terminal when asked for one. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlaygroundPtyCommandTest {
  private PlaygroundSsh ssh;
  private SshClient client;
  private ClientSession session;

  @BeforeAll
  void start(@TempDir Path home) throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    KeyPair host = rsa.generateKeyPair();
    Files.writeString(
        home.resolve("ssh_host_key"),
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(host.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
    KeyPair user = rsa.generateKeyPair();
    Files.writeString(
        home.resolve("authorized_keys"), PublicKeyEntry.toString(user.getPublic()) + "\n");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ssh = PlaygroundSsh.start(home, port);
    client = SshClient.setUpDefaultClient();
    client.setServerKeyVerifier((clientSession, remote, key) -> true);
    client.setKeyIdentityProvider(KeyIdentityProvider.wrapKeyPairs(user));
    client.start();
    session =
        client
            .connect(System.getProperty("user.name"), "127.0.0.1", port)
            .verify(60_000)
            .getSession();
    session.auth().verify(60_000);
  }

  @AfterAll
  void stop() throws Exception {
    if (session != null) {
      session.close();
    }
    if (client != null) {
      client.stop();
    }
    if (ssh != null) {
      ssh.close();
    }
  }

  private record Ran(int exit, String out) {}

  private Ran exec(String command, boolean pty) throws Exception {
    try (ChannelExec exec = session.createExecChannel(command)) {
      exec.setUsePty(pty);
      exec.setPtyColumns(100);
      exec.setPtyLines(30);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      exec.setOut(out);
      exec.setErr(out);
      exec.open().verify(60_000);
      exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(30));
      return new Ran(exec.getExitStatus(), out.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void aPtyRequestGivesTheCommandATerminalOfTheRequestedSize() throws Exception {
    Ran ran = exec("test -t 0 && test -t 1 && echo on-a-tty; stty size; exit 5", true);
    assertEquals(5, ran.exit(), ran.out());
    assertTrue(ran.out().contains("on-a-tty"), ran.out());
    assertTrue(ran.out().contains("30 100"), ran.out());
  }

  @Test
  void withoutOneItGetsPipes() throws Exception {
    Ran ran = exec("test -t 0 || test -t 1 || echo pipes; exit 3", false);
    assertEquals(3, ran.exit(), ran.out());
    assertEquals("pipes\n", ran.out());
  }

  @Test
  void theCommandLineUnderScriptKeepsQuotes() {
    assertEquals("echo 'a b'", PlaygroundPtyCommand.effective("echo 'a b'", null, null));
    assertEquals(
        "exec /usr/bin/script -qfec 'stty cols 80 rows 24 2>/dev/null; echo '\\''a b'\\''' /dev/null",
        PlaygroundPtyCommand.effective("echo 'a b'", "80", "24"));
  }
}
