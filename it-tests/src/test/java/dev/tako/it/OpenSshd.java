package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * Debian's real OpenSSH {@code sshd} on a loopback port with its own host key and authorized_keys
 * file (public-key logins only, local forwarding, internal SFTP), and OpenSSH's {@code ssh-agent}:
 * the servers and agents of the SSH integration tests. Every process is started by this class and
 * stopped by its handle. Tests using it are skipped where OpenSSH is not installed or not root.
 */
final class OpenSshd implements AutoCloseable {
  final int port;
  final Path authorizedKeys;
  private final Process process;

  private OpenSshd(int port, Path authorizedKeys, Process process) {
    this.port = port;
    this.authorizedKeys = authorizedKeys;
    this.process = process;
  }

  static OpenSshd start(Path dir) throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/sbin/sshd")),
        "OpenSSH sshd is installed (.ci/run installs it)");
    assumeTrue("root".equals(System.getProperty("user.name")), "sshd logins need root here");
    run(
        Map.of(),
        "ssh-keygen",
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-f",
        dir.resolve("host_key").toString());
    Path authorized = Files.writeString(dir.resolve("authorized_keys"), "");
    int port = PlaygroundIT.freePort();
    Path config = dir.resolve("sshd_config");
    Files.writeString(
        config,
        String.join(
            "\n",
            "Port " + port,
            "ListenAddress 127.0.0.1",
            "HostKey " + dir.resolve("host_key"),
            "PidFile " + dir.resolve("sshd.pid"),
            "AuthorizedKeysFile " + authorized,
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "UsePAM no",
            "StrictModes no",
            "AllowTcpForwarding local",
            "Subsystem sftp internal-sftp",
            ""));
    Files.createDirectories(Path.of("/run/sshd"));
    Path log = dir.resolve("sshd.log");
    Process p =
        new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Files.readString(log).contains("Server listening"));
    return new OpenSshd(port, authorized, p);
  }

  /** A fresh unencrypted key of {@code type}, authorized on this server. */
  Path authorizedKey(Path file, String type) throws Exception {
    run(
        Map.of(),
        "ssh-keygen",
        "-q",
        "-t",
        type,
        "-N",
        "",
        "-C",
        "it-" + type,
        "-f",
        file.toString());
    Files.writeString(
        authorizedKeys,
        Files.readString(Path.of(file + ".pub")),
        java.nio.file.StandardOpenOption.APPEND);
    return file;
  }

  /** An {@code ssh-agent} in the foreground on {@code socket}, holding {@code keys}. */
  static Process agent(Path socket, Path... keys) throws Exception {
    Process p =
        new ProcessBuilder("ssh-agent", "-D", "-a", socket.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(socket));
    for (Path key : keys) {
      run(Map.of("SSH_AUTH_SOCK", socket.toString()), "ssh-add", "-q", key.toString());
    }
    return p;
  }

  static void stop(Process p) throws InterruptedException {
    if (p != null) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  static void run(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
  }

  /** Stops the node {@code tako servers add --install} started in {@code nodeHome}, by its pid. */
  static void stopInstalledNode(Path nodeHome) throws IOException {
    if (nodeHome == null || !Files.exists(nodeHome.resolve("node.pid"))) {
      return;
    }
    long pid = Long.parseLong(Files.readString(nodeHome.resolve("node.pid")).trim());
    ProcessHandle.of(pid)
        .ifPresent(
            h -> {
              h.destroy();
              try {
                h.onExit().get(40, TimeUnit.SECONDS);
              } catch (Exception e) {
                h.destroyForcibly();
              }
            });
  }

  @Override
  public void close() throws InterruptedException {
    stop(process);
  }
}
