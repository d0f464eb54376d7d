package dev.tako.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command {@code tako run} sends over SSH, run here by a real {@code sh} as sshd would: it
 * starts from an empty environment, takes the node's script, and runs the user's words unexpanded.
 */
class RunCommandTest {
  @TempDir Path dir;

  @Test
  void theRemoteCommandSourcesTheScriptAndRunsTheWordsAsGiven() throws Exception {
    Path release = Files.createDirectories(dir.resolve("release"));
    Path script = dir.resolve("run-1.sh");
    Files.writeString(
        script,
        "rm -f -- '"
            + script
            + "'\nexport PATH='/usr/bin:/bin'\nexport SECRET_X='s3cr3t'\ncd -- '"
            + release
            + "' || exit 126\n");
    String remote =
        RunCommand.remoteCommand(
            script.toString(),
            List.of(
                "sh",
                "-c",
                "echo \"$SECRET_X|$PWD|${LEAKED:-none}|$1\"; exit 3",
                "x",
                "it's $HOME"));
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", remote).redirectErrorStream(true);
    pb.environment().put("LEAKED", "from the login shell");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(10, TimeUnit.SECONDS);
    assertEquals(3, p.exitValue(), out);
    assertEquals("s3cr3t|" + release + "|none|it's $HOME\n", out);
    assertFalse(Files.exists(script));
  }
}
