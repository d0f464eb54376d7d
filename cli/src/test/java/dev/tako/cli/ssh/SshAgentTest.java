package dev.tako.cli.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Ssh#connect} logs in with keys that only a real {@code ssh-agent} holds (their files are
 * deleted after {@code ssh-add}), against Apache MINA SSHD; an unreachable agent falls back to key
 * files, or says it is unreachable when no key file is left.
 */
class SshAgentTest {
  @TempDir Path dir;
  private TestSshServer server;
  private TestAgent agent;
  private Path knownHosts;

  @BeforeEach
  void start() throws Exception {
    agent = TestAgent.start(dir);
    server = TestSshServer.start(dir);
    knownHosts = dir.resolve("known_hosts");
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    agent.close();
  }

  /** Generates a key, authorizes it on the server, loads it into the agent, deletes its file. */
  private Path agentOnlyKey(String type) throws Exception {
    Path key = TestAgent.keygen(dir.resolve("agent-" + type), type);
    Files.writeString(
        dir.resolve("authorized_keys"),
        Files.readString(Path.of(key + ".pub")),
        java.nio.file.StandardOpenOption.APPEND);
    agent.add(key);
    Files.delete(key);
    return key;
  }

  private SshTarget target(Path identity) {
    return new SshTarget("la", "127.0.0.1", server.port(), "tako", identity, List.of(), knownHosts);
  }

  @Test
  void anEd25519KeyOnlyInTheAgentLogsIn() throws Exception {
    Path key = agentOnlyKey("ed25519");
    // the explicit identity's file is gone; its .pub names the agent's key
    try (SshSession s = Ssh.connect(target(key), HostKeyPolicy.ACCEPT_NEW, agent.client())) {
      assertTrue(s.exists("/"));
    }
  }

  @Test
  void anRsaKeyOnlyInTheAgentLogsInWithSha2() throws Exception {
    agentOnlyKey("rsa");
    // another identity that the server refuses: the agent's key is offered before it
    Path other = dir.resolve("other.key");
    KeyFiles.writePrivateKey(other, KeyFiles.generateRsa().getPrivate());
    try (SshSession s = Ssh.connect(target(other), HostKeyPolicy.ACCEPT_NEW, agent.client())) {
      ExecResult r = s.exec("echo agent", Duration.ofSeconds(20));
      assertEquals("agent", r.stdout().trim(), r.toString());
    }
  }

  @Test
  void agentKeysTheServerRefusesFallThroughToTheKeyFile() throws Exception {
    agent.add(TestAgent.keygen(dir.resolve("unauthorized"), "ed25519"));
    try (SshSession s =
        Ssh.connect(server.target(knownHosts), HostKeyPolicy.ACCEPT_NEW, agent.client())) {
      assertTrue(s.exists("/"));
    }
  }

  @Test
  void anUnreachableAgentFallsBackToTheKeyFile() throws Exception {
    AgentClient gone = new AgentClient(dir.resolve("gone.sock"));
    try (SshSession s = Ssh.connect(server.target(knownHosts), HostKeyPolicy.ACCEPT_NEW, gone)) {
      assertTrue(s.exists("/"));
    }
  }

  @Test
  void anUnreachableAgentAndNoKeyFileSaySo() {
    AgentClient gone = new AgentClient(dir.resolve("gone.sock"));
    String home = System.getProperty("user.home");
    System.setProperty("user.home", dir.resolve("empty-home").toString());
    try {
      SshException e =
          assertThrows(
              SshException.class, () -> Ssh.connect(target(null), HostKeyPolicy.ACCEPT_NEW, gone));
      assertTrue(e.getMessage().startsWith("error: no SSH key to log in to la"), e.getMessage());
      assertTrue(e.getMessage().contains("is unreachable"), e.getMessage());
      assertTrue(e.getMessage().contains("gone.sock"), e.getMessage());
    } finally {
      System.setProperty("user.home", home);
    }
  }
}
