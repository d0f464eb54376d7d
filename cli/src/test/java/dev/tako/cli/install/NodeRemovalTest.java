package dev.tako.cli.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The uninstall script, run by a real shell on real processes. */
class NodeRemovalTest {
  @TempDir Path tmp;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopWhatIsLeft() {
    started.forEach(Process::destroyForcibly);
  }

  private Process sleeper(String instance) throws IOException {
    ProcessBuilder pb = new ProcessBuilder("sleep", "300");
    if (instance != null) {
      pb.environment().put("TAKO_INSTANCE", instance);
    }
    Process p = pb.start();
    started.add(p);
    return p;
  }

  private Process runScript(Path nodeHome) throws Exception {
    Process sh =
        new ProcessBuilder(
                "/bin/sh", "-c", NodeRemoval.uninstallScript(nodeHome + "/", "tako-node-test"))
            .redirectErrorStream(true)
            .start();
    assertTrue(sh.waitFor(60, TimeUnit.SECONDS), "the script ends");
    return sh;
  }

  @Test
  void stopsTheNodeAndItsAppsAndRemovesTheHome() throws Exception {
    Path nodeHome = Files.createDirectories(tmp.resolve("opt tako"));
    Files.writeString(nodeHome.resolve("node.conf"), "tako.server = la\n");
    Files.createDirectories(nodeHome.resolve("run"));
    Process node = sleeper(null);
    Process app = sleeper("web-production-1");
    Process stranger = sleeper("someone-else");
    Files.writeString(nodeHome.resolve("node.pid"), node.pid() + "\n");
    Files.writeString(nodeHome.resolve("run/web-production-1.pid"), app.pid() + "\n");
    // a pid file whose process is not the instance it names (a recycled pid): left alone
    Files.writeString(nodeHome.resolve("run/web-production-2.pid"), stranger.pid() + "\n");

    Process sh = runScript(nodeHome);

    String output = new String(sh.getInputStream().readAllBytes());
    assertEquals(0, sh.exitValue(), output);
    assertTrue(node.waitFor(10, TimeUnit.SECONDS), "the node process stopped");
    assertTrue(app.waitFor(10, TimeUnit.SECONDS), "the app process stopped");
    assertTrue(stranger.isAlive(), "a process that is not the named instance stays");
    assertFalse(Files.exists(nodeHome), "the home is gone");
  }

  @Test
  void refusesAFolderThatIsNoNodeHome() throws Exception {
    Path notAHome = Files.createDirectories(tmp.resolve("precious"));
    Files.writeString(notAHome.resolve("data.txt"), "keep me");

    Process sh = runScript(notAHome);

    String output = new String(sh.getInputStream().readAllBytes());
    assertEquals(1, sh.exitValue());
    assertTrue(output.contains("is not a tako node's home"), output);
    assertTrue(Files.exists(notAHome.resolve("data.txt")));
  }
}
