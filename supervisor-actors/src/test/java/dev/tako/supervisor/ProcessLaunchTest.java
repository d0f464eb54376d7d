package dev.tako.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessLaunchTest {

  private static ReleaseSpec spec(List<String> command) {
    return new ReleaseSpec(
        "hello",
        "production",
        "r1",
        Path.of("/srv/hello/releases/r1"),
        command,
        Map.of("TAKO_APP", "hello", "PORT", "1", "GREETING", "hi"),
        "/health",
        Path.of("/srv/hello/logs"),
        Path.of("/srv/hello/run"));
  }

  @Test
  void relativeProgramResolvesAgainstTheReleaseDirectory() {
    assertEquals(
        List.of("/srv/hello/releases/r1/bin/server", "--flag"),
        ProcessLaunch.command(spec(List.of("./bin/server", "--flag"))));
  }

  @Test
  void programsOnThePathAndAbsoluteOnesStayAsGiven() {
    assertEquals(
        List.of("node", "server.js"), ProcessLaunch.command(spec(List.of("node", "server.js"))));
    assertEquals(List.of("/usr/bin/env"), ProcessLaunch.command(spec(List.of("/usr/bin/env"))));
  }

  @Test
  void environmentIsBasicsPlusSpecPlusInstanceVariables() {
    Map<String, String> env =
        ProcessLaunch.environment(
            spec(List.of("node")),
            "abcd1234",
            20001,
            Map.of("PATH", "/bin", "HOME", "/root", "SECRET_OF_NODE", "x", "LANG", "C.UTF-8"));
    assertEquals("/bin", env.get("PATH"));
    assertEquals("/root", env.get("HOME"));
    assertEquals("C.UTF-8", env.get("LANG"));
    assertFalse(env.containsKey("SECRET_OF_NODE"));
    assertEquals("hello", env.get("TAKO_APP"));
    assertEquals("hi", env.get("GREETING"));
    assertEquals("20001", env.get("PORT"), "the node's port wins over one in the spec");
    assertEquals("127.0.0.1", env.get("HOST"));
    assertEquals("abcd1234", env.get("TAKO_INSTANCE"));
  }

  @Test
  void pathHasADefault() {
    Map<String, String> env = ProcessLaunch.environment(spec(List.of("node")), "i", 1, Map.of());
    assertEquals(ProcessLaunch.DEFAULT_PATH, env.get("PATH"));
  }

  @Test
  void builderExecsTheCommandWithItsOutputOnTheFifosReadWrite() {
    ProcessBuilder pb =
        ProcessLaunch.builder(spec(List.of("./server", "a b")), "abcd1234", 2000, Map.of());
    assertEquals(Path.of("/srv/hello/releases/r1").toFile(), pb.directory());
    assertEquals(
        List.of(
            "/bin/sh",
            "-c",
            "o=$1 e=$2; shift 2; exec \"$@\" 1<>\"$o\" 2<>\"$e\"",
            "tako-hello",
            "/srv/hello/run/abcd1234.out.fifo",
            "/srv/hello/run/abcd1234.err.fifo",
            "/srv/hello/releases/r1/server",
            "a b"),
        pb.command());
    assertEquals(ProcessBuilder.Redirect.DISCARD, pb.redirectOutput());
    assertEquals(ProcessBuilder.Redirect.DISCARD, pb.redirectError());
    assertTrue(pb.environment().containsKey("TAKO_INSTANCE"));
    assertEquals("/srv/hello/releases/r1", pb.environment().get("PWD"));
    assertFalse(
        pb.environment().values().stream().anyMatch(v -> v.contains(".fifo")),
        "the FIFOs are no variables of the app");
  }

  @Test
  void aProgramThatCannotRunFailsBeforeTheShellStarts(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    assertThrows(
        java.io.IOException.class,
        () -> ProcessLaunch.requireProgram(List.of("no-such-program-x"), Map.of("PATH", "/bin")));
    assertThrows(
        java.io.IOException.class,
        () -> ProcessLaunch.requireProgram(List.of(dir.resolve("none").toString()), Map.of()));
    ProcessLaunch.requireProgram(List.of("sh"), Map.of("PATH", "/nowhere:/bin"));
  }

  @Test
  void freePortsAreUsable() throws Exception {
    int port = ProcessLaunch.freePort();
    assertTrue(port > 0 && port < 65536);
    assertNotEquals(0, port);
  }
}
