package dev.tako.cli.dev;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tako dev's own process: the node's main class on the node's jars, exit code and signals. */
class DevProcessTest {
  @TempDir Path dir;

  @Test
  void runsTheNodesDevMainWithTheHomeAndTheNodeClasspath() {
    String before = System.getProperty(DevProcess.CLASSPATH_PROPERTY);
    System.setProperty(DevProcess.CLASSPATH_PROPERTY, "/opt/tako/lib/node/*");
    try {
      List<String> cmd = DevProcess.command(dir, List.of("session", "--port", "47831"));
      assertTrue(cmd.contains("-Dtako.home=" + dir), cmd.toString());
      int cp = cmd.indexOf("-cp");
      assertEquals("/opt/tako/lib/node/*", cmd.get(cp + 1));
      assertEquals(
          List.of("dev.tako.node.dev.DevMain", "session", "--port", "47831"),
          cmd.subList(cp + 2, cmd.size()));
    } finally {
      if (before == null) {
        System.clearProperty(DevProcess.CLASSPATH_PROPERTY);
      } else {
        System.setProperty(DevProcess.CLASSPATH_PROPERTY, before);
      }
    }
  }

  @Test
  void itsExitCodeIsTakosExitCode() {
    assertEquals(3, DevProcess.run(List.of("sh", "-c", "exit 3")));
  }

  @Test
  void sigtermToTakoReachesTheDevProcess() throws Exception {
    Path ready = dir.resolve("ready");
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                DevProcess.run(
                    List.of(
                        "sh",
                        "-c",
                        "trap 'exit 42' TERM; touch '"
                            + ready
                            + "'; while :; do sleep 0.05; done")));
    await("the child started").atMost(Duration.ofSeconds(20)).until(() -> Files.exists(ready));
    // This JVM stands in for tako: its SIGTERM handler passes the signal on.
    new ProcessBuilder("kill", "-TERM", Long.toString(ProcessHandle.current().pid()))
        .start()
        .waitFor();
    assertEquals(42, exit.get(20, TimeUnit.SECONDS));
  }
}
