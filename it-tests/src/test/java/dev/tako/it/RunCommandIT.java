package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tako run} on a 1-region playground, whose nodes are reached over their embedded SSH
 * server: the command gets the app's secret and exits with its own code; an app that is not
 * deployed is refused with exit 1. (The same over OpenSSH, with a PTY: {@link SshAgentIT}.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunCommandIT {
  static final List<String> REGIONS = List.of("la");
  @TempDir static Path tmp;
  LocalPlayground playground;
  TakoCli tako;

  @BeforeAll
  void up() throws Exception {
    playground = LocalPlayground.up(tmp, REGIONS);
    tako = playground.tako;
  }

  @AfterAll
  void down() throws Exception {
    playground.down();
  }

  @Test
  void runGetsTheSecretAndPassesTheExitCodeThrough() throws Exception {
    Path app = Apps.write(tmp.resolve("oneoff"), "oneoff", "o", "", REGIONS);
    TakoCli.Result early = tako.run(app, "run", "--", "true");
    assertEquals(1, early.exit(), early::toString);
    assertTrue(early.err().contains("no current release"), early::toString);

    Path in = Files.writeString(tmp.resolve("secret.txt"), "xyzzy\n");
    ProcessBuilder pb =
        new ProcessBuilder(
                TakoCli.dist().resolve("bin/tako").toString(), "secrets", "set", "SECRET_X")
            .directory(app.toFile())
            .redirectInput(in.toFile())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("set.txt").toFile());
    pb.environment().put("TAKO_HOME", tako.home.toString());
    pb.environment().putAll(tako.env);
    assertEquals(0, pb.start().waitFor(), () -> read(tmp.resolve("set.txt")));
    TakoCli.Result deploy = tako.run(app, "deploy", "--json");
    assertEquals(0, deploy.exit(), deploy::toString);

    TakoCli.Result run =
        tako.run(app, "run", "--", "sh", "-c", "echo \"$SECRET_X|$TAKO_SERVER\"; exit 3");
    assertEquals(3, run.exit(), run::toString);
    assertEquals("xyzzy|la", run.out().trim(), run::toString);
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
