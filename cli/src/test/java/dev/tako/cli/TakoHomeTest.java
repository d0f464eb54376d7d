package dev.tako.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TakoHomeTest {
  @AfterEach
  void clear() {
    System.clearProperty("tako.home");
  }

  @Test
  void systemPropertyWinsAndIsNormalized() {
    System.setProperty("tako.home", "/tmp/x/../tako-test-home");
    TakoHome home = TakoHome.fromEnvironment();
    assertEquals(Path.of("/tmp/tako-test-home"), home.dir());
    assertEquals(Path.of("/tmp/tako-test-home/config.toml"), home.inventory());
    assertEquals(Path.of("/tmp/tako-test-home/known_hosts"), home.knownHosts());
    assertEquals(Path.of("/tmp/tako-test-home/playground"), home.playground());
  }

  @Test
  void withoutPropertyItIsTakoHomeOrTheUsersDotTako() {
    String env = System.getenv("TAKO_HOME");
    Path expected =
        env != null && !env.isBlank()
            ? Path.of(env)
            : Path.of(System.getProperty("user.home"), ".tako");
    assertEquals(expected.toAbsolutePath().normalize(), TakoHome.fromEnvironment().dir());
  }
}
