package dev.tako.node.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one-off script: private, self-deleting, exact values through a real {@code sh}. */
class RunEnvFileTest {
  @TempDir Path home;

  @Test
  void aSourcedScriptExportsExactValuesChangesDirectoryAndDeletesItself() throws Exception {
    Path release = Files.createDirectories(home.resolve("releases/r 1"));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PLAIN", "x");
    env.put("TRICKY", "it's $HOME `id` \"q\" \\ ; \n2nd line");
    env.put("not.a-name", "left out");
    Path file = RunEnvFile.write(home, new RunEnvironment("r1", release, env, null));

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(
        "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(RunEnvFile.dir(home))));

    Process p =
        new ProcessBuilder(
                "/bin/sh",
                "-c",
                ". \"$0\" && exec /bin/sh -c 'printf \"%s|%s|%s\" \"$PLAIN\" \"$TRICKY\" \"$PWD\"'",
                file.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertEquals("x|" + env.get("TRICKY") + "|" + release, out);
    assertFalse(Files.exists(file), "the script deletes itself when sourced");
  }

  @Test
  void expiredScriptsAreSweptFreshOnesKept() throws Exception {
    Path release = Files.createDirectories(home.resolve("r"));
    RunEnvironment run = new RunEnvironment("r", release, Map.of("A", "1"), null);
    Path old = RunEnvFile.write(home, run);
    Path fresh = RunEnvFile.write(home, run);
    Files.setLastModifiedTime(
        old, FileTime.from(Instant.now().minus(RunEnvFile.TTL).minusSeconds(5)));
    RunEnvFile.sweep(home, Instant.now());
    assertFalse(Files.exists(old));
    assertTrue(Files.exists(fresh));
  }

  @Test
  void quotingKeepsEveryCharacter() {
    assertEquals("'a'\\''b'", RunEnvFile.quote("a'b"));
    assertTrue(RunEnvFile.exportable("SECRET_X"));
    assertFalse(RunEnvFile.exportable("1X"));
    assertFalse(RunEnvFile.exportable("A-B"));
  }
}
