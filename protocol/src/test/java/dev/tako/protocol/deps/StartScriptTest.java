package dev.tako.protocol.deps;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartScriptTest {
  @TempDir Path dir;

  private String run(String script) throws Exception {
    Process p =
        new ProcessBuilder(StartScript.command(script))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    p.waitFor();
    return out.replace("PID", Long.toString(p.pid()));
  }

  @Test
  void theShellExecsSoThePidIsTheApps() throws Exception {
    // $$ is the shell's pid; with exec, the program that prints it has the same one.
    Path bin = Files.createDirectories(dir.resolve("node_modules/.bin"));
    Path tool = bin.resolve("pidof-self");
    Files.writeString(tool, "#!/bin/sh\necho $$\n");
    tool.toFile().setExecutable(true);
    Process p =
        new ProcessBuilder(StartScript.command("pidof-self")).directory(dir.toFile()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    p.waitFor();
    assertEquals(Long.toString(p.pid()), out);
  }

  @Test
  void leadingAssignmentsReachTheApp() throws Exception {
    assertEquals("production 1", run("NODE_ENV=production X=1 sh -c 'echo $NODE_ENV $X'"));
  }

  @Test
  void commandShape() {
    List<String> c = StartScript.command("node server.js");
    assertEquals(
        List.of(
            "sh", "-c", "PATH=\"$PWD/node_modules/.bin:$PATH\"; export PATH; exec node server.js"),
        c);
  }
}
