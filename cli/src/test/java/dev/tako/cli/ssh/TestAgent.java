package dev.tako.cli.ssh;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A real OpenSSH {@code ssh-agent} on a socket in a test directory, started in the foreground
 * ({@code -D}) so that this test owns its process and stops it by its handle; keys come from {@code
 * ssh-keygen} and are loaded with {@code ssh-add}. Tests that need it are skipped where OpenSSH's
 * client tools are not installed.
 */
final class TestAgent implements AutoCloseable {

  final Path socket;
  private final Process process;

  private TestAgent(Path socket, Process process) {
    this.socket = socket;
    this.process = process;
  }

  static TestAgent start(Path dir) throws IOException {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/ssh-agent"))
            && Files.isExecutable(Path.of("/usr/bin/ssh-add")),
        "OpenSSH's ssh-agent and ssh-add are installed");
    Path socket = dir.resolve("agent.sock");
    Process p =
        new ProcessBuilder("ssh-agent", "-D", "-a", socket.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("agent.log").toFile())
            .start();
    TestAgent agent = new TestAgent(socket, p);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(socket));
    return agent;
  }

  AgentClient client() {
    return new AgentClient(socket);
  }

  /** A fresh unencrypted key of {@code type} (ed25519, rsa) at {@code file}, with its .pub. */
  static Path keygen(Path file, String type) throws IOException, InterruptedException {
    run(
        null,
        "ssh-keygen",
        "-q",
        "-t",
        type,
        "-N",
        "",
        "-C",
        "test-" + type,
        "-f",
        file.toString());
    return file;
  }

  void add(Path key) throws IOException, InterruptedException {
    run(socket, "ssh-add", "-q", key.toString());
  }

  private static void run(Path agentSocket, String... cmd)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (agentSocket != null) {
      pb.environment().put(AgentClient.SOCKET_ENV, agentSocket.toString());
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
