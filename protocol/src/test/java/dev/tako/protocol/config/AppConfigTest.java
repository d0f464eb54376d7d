package dev.tako.protocol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AppConfigTest {
  private static AppConfig cfg(AppConfig.Runtime runtime, String main, List<String> start) {
    Map<String, EnvConfig> envs = new LinkedHashMap<>();
    envs.put("production", new EnvConfig(List.of("a.com"), List.of("la"), null, null, null, null));
    envs.put("staging", new EnvConfig(List.of("s.a.com"), List.of("la"), null, null, null, null));
    return new AppConfig(
        "hello",
        runtime,
        main,
        start,
        null,
        1,
        null,
        null,
        null,
        null,
        Map.of("A", "1", "B", "2"),
        Map.of("production", Map.of("B", "20", "C", "30")),
        envs,
        Path.of("tako.toml"),
        null);
  }

  @Test
  void startCommandPerRuntime() {
    assertEquals(
        List.of("node", "server.js"),
        cfg(AppConfig.Runtime.NODE, "server.js", null).startCommand());
    assertEquals(
        List.of("bun", "index.ts"), cfg(AppConfig.Runtime.BUN, "index.ts", null).startCommand());
    assertEquals(
        List.of("java", "-jar", "app.jar"),
        cfg(AppConfig.Runtime.JAVA, "app.jar", null).startCommand());
    assertEquals(
        List.of("java", "Main.java"),
        cfg(AppConfig.Runtime.JAVA, "Main.java", null).startCommand());
    assertEquals(List.of("./hello"), cfg(AppConfig.Runtime.GO, "hello", null).startCommand());
    assertEquals(
        List.of("./bin/hello"), cfg(AppConfig.Runtime.GO, "./bin/hello", null).startCommand());
    assertEquals(
        List.of("./start.sh"),
        cfg(AppConfig.Runtime.COMMAND, null, List.of("./start.sh")).startCommand());
    assertThrows(
        IllegalStateException.class,
        () -> cfg(AppConfig.Runtime.COMMAND, null, null).startCommand());
  }

  @Test
  void explicitStartWins() {
    assertEquals(
        List.of("node", "--enable-source-maps", "server.js"),
        cfg(
                AppConfig.Runtime.NODE,
                "server.js",
                List.of("node", "--enable-source-maps", "server.js"))
            .startCommand());
  }

  @Test
  void varsForOverlaysTheEnvironment() {
    AppConfig c = cfg(AppConfig.Runtime.NODE, "server.js", null);
    assertEquals(Map.of("A", "1", "B", "20", "C", "30"), c.varsFor("production"));
    assertEquals(Map.of("A", "1", "B", "2"), c.varsFor("staging"));
    assertEquals(Map.of("A", "1", "B", "2"), c.varsFor("nowhere"));
  }

  @Test
  void missingEnvironmentNamesTheExistingOnes() {
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> cfg(AppConfig.Runtime.NODE, "s.js", null).env("prod"));
    String line = e.getMessage();
    assertTrue(line.startsWith("error: tako.toml: envs: no environment \"prod\""), line);
    assertTrue(line.contains("environments: production, staging"), line);
    assertTrue(line.contains("[envs.prod]"), line);
  }

  @Test
  void collectionsAreImmutable() {
    AppConfig c = cfg(AppConfig.Runtime.NODE, "server.js", null);
    assertThrows(UnsupportedOperationException.class, () -> c.vars().put("X", "1"));
    assertThrows(UnsupportedOperationException.class, () -> c.envs().clear());
    assertThrows(
        UnsupportedOperationException.class, () -> c.varsByEnv().get("production").put("X", "1"));
  }
}
