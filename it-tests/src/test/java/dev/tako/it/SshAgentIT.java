package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SSH agent keys and {@code tako run} against Debian's real OpenSSH {@code sshd} on loopback. The
 * only keys the server accepts live in {@code ssh-agent}s (their files are deleted after {@code
 * ssh-add}; no {@code --identity}): an ed25519 key installs a node with {@code servers add
 * --install}, an RSA key (rsa-sha2 signatures) reaches it too, and an unreachable agent is named in
 * the error. Then an app with a secret is deployed and {@code tako run} gets its environment, its
 * exit code and, under {@code script}, a PTY.
 */
class SshAgentIT {
  @TempDir static Path tmp;
  static OpenSshd sshd;
  static Process edAgent;
  static Process rsaAgent;
  static Path nodeHome;
  static TakoCli tako;

  @BeforeAll
  static void start() throws Exception {
    sshd = OpenSshd.start(tmp);
    Path ed = sshd.authorizedKey(tmp.resolve("agent_ed25519"), "ed25519");
    Path rsa = sshd.authorizedKey(tmp.resolve("agent_rsa"), "rsa");
    edAgent = OpenSshd.agent(tmp.resolve("ed.sock"), ed);
    rsaAgent = OpenSshd.agent(tmp.resolve("rsa.sock"), rsa);
    Files.delete(ed);
    Files.delete(rsa);
    nodeHome = tmp.resolve("opt-tako");
    tako =
        new TakoCli(
            Files.createDirectories(tmp.resolve("tako-home")),
            Map.of("SSH_AUTH_SOCK", tmp.resolve("ed.sock").toString()));
  }

  @AfterAll
  static void stop() throws Exception {
    OpenSshd.stopInstalledNode(nodeHome);
    OpenSshd.stop(edAgent);
    OpenSshd.stop(rsaAgent);
    if (sshd != null) {
      sshd.close();
    }
  }

  /**
   * Tako with another agent; without the connection keeper, whose kept login would answer for any
   * agent: each command here must log in with its own agent's keys.
   */
  private static TakoCli withAgent(String socket) {
    return new TakoCli(
        tako.home, Map.of("SSH_AUTH_SOCK", tmp.resolve(socket).toString(), "TAKO_KEEPER", "off"));
  }

  @Test
  void agentOnlyKeysInstallANodeAndTakoRunGetsTheAppsEnvironment() throws Exception {
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
            "" + sshd.port,
            "--user",
            "root",
            "--region",
            "fra",
            "--home",
            nodeHome.toString(),
            "--api-port",
            "" + PlaygroundIT.freePort(),
            "--http-port",
            "" + PlaygroundIT.freePort(),
            "--https-port",
            "" + PlaygroundIT.freePort(),
            "--cluster-port",
            "" + PlaygroundIT.freePort(),
            "--install",
            "--accept-new-host-key");
    assertEquals(0, add.exit(), add::toString);

    // the RSA key, only in its agent: OpenSSH wants rsa-sha2-256/512 signatures from it
    TakoCli.Result rsa = withAgent("rsa.sock").run(tmp, "status", "--json");
    assertEquals(0, rsa.exit(), rsa::toString);

    if (noDefaultKeys()) {
      TakoCli.Result dead = withAgent("dead.sock").run(tmp, "status", "--json");
      assertEquals(3, dead.exit(), dead::toString);
      assertTrue(dead.err().contains("dead.sock"), dead::toString);
      assertTrue(dead.err().contains("unreachable"), dead::toString);
    }

    Path app = Apps.write(tmp.resolve("app"), "runner", "r", "", List.of("box"));
    TakoCli.Result set = withStdin(app, "s3cr3t 'x'\n", "secrets", "set", "SECRET_X");
    assertEquals(0, set.exit(), set::toString);
    TakoCli.Result deploy = tako.run(app, "deploy", "--json");
    assertEquals(0, deploy.exit(), deploy::toString);

    TakoCli.Result run =
        tako.run(
            app,
            "run",
            "--",
            "sh",
            "-c",
            "echo \"$SECRET_X|$TAKO_APP|${PORT:-no port}|$PWD\"; echo to-stderr >&2; exit 3");
    assertEquals(3, run.exit(), run::toString);
    String line = run.out().trim();
    assertTrue(line.startsWith("s3cr3t 'x'|runner|no port|" + nodeHome), run::toString);
    assertTrue(run.err().contains("to-stderr"), run::toString);
    try (Stream<Path> left = Files.list(nodeHome.resolve("one-off"))) {
      assertEquals(List.of(), left.toList(), "the environment script is gone once used");
    }

    TakoCli.Result onServer = tako.run(app, "run", "--server", "box", "--", "true");
    assertEquals(0, onServer.exit(), onServer::toString);
    TakoCli.Result unknown = tako.run(app, "run", "--server", "nope", "--", "true");
    assertEquals(2, unknown.exit(), unknown::toString);

    // on a terminal the command gets a PTY (script(1) gives the CLI one)
    Path tty = tmp.resolve("tty.txt");
    ProcessBuilder pb =
        new ProcessBuilder(
                "script",
                "-qec",
                TakoCli.dist().resolve("bin/tako")
                    + " run -- sh -c 'test -t 0 && echo on-a-tty; exit 5'",
                "/dev/null")
            .directory(app.toFile())
            .redirectErrorStream(true)
            .redirectOutput(tty.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().put("TAKO_HOME", tako.home.toString());
    pb.environment().putAll(tako.env);
    Process p = pb.start();
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "tako run under script finished");
    String out = Files.readString(tty);
    assertEquals(5, p.exitValue(), out);
    assertTrue(out.contains("on-a-tty"), out);
  }

  private static boolean noDefaultKeys() {
    Path ssh = Path.of(System.getProperty("user.home"), ".ssh");
    return Stream.of("id_ed25519", "id_ecdsa", "id_rsa")
        .noneMatch(k -> Files.exists(ssh.resolve(k)));
  }

  private static TakoCli.Result withStdin(Path cwd, String stdin, String... args) throws Exception {
    return tako.runWithStdin(cwd, stdin, args);
  }
}
