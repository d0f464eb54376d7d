package dev.tako.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CLI never loads Pekko (DESIGN.md: cli depends on protocol only): none of its classes refers
 * to Pekko, the proxy, the supervisor or the node, and none of them is on its classpath, so {@code
 * tako --version} and every remote command start without them. {@code tako dev} runs them in a
 * process of the node distribution.
 */
class ThinCliTest {
  private static final List<String> FORBIDDEN =
      List.of("org/apache/pekko/", "dev/tako/proxy/", "dev/tako/supervisor/", "dev/tako/node/");

  @Test
  void noCliClassRefersToPekkoTheProxyTheSupervisorOrTheNode() throws Exception {
    Path classes = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Path> files;
    try (Stream<Path> walk = Files.walk(classes)) {
      files = walk.filter(p -> p.toString().endsWith(".class")).toList();
    }
    assertTrue(files.size() > 50, "found the CLI's classes in " + classes);
    for (Path f : files) {
      // Class names sit in the constant pool as modified UTF-8, readable as Latin-1.
      String pool = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
      for (String name : FORBIDDEN) {
        assertTrue(!pool.contains(name), classes.relativize(f) + " refers to " + name);
      }
    }
  }

  @Test
  void pekkoIsNotOnTheCliClasspath() {
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      String jar = Path.of(entry).getFileName().toString();
      assertTrue(
          !jar.startsWith("pekko-")
              && !jar.startsWith("proxy-actors")
              && !jar.startsWith("supervisor-actors")
              && !jar.startsWith("node-"),
          entry);
    }
    assertThrows(
        ClassNotFoundException.class,
        () -> Class.forName("org.apache.pekko.actor.typed.ActorSystem"));
  }

  @Test
  void versionRunsWithoutPekko() {
    try (Captured c = new Captured()) {
      assertEquals(0, Main.run("--version"));
      assertTrue(c.out().startsWith("tako "), c.out());
    }
  }
}
