package dev.tako.protocol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TakoInitTest {
  @TempDir Path tmp;

  private AppConfig written(Path app, List<String> servers) throws Exception {
    Path file = app.resolve("tako.toml");
    Files.writeString(file, TakoInit.initialToml(app, servers));
    return AppConfigLoader.load(file);
  }

  @Test
  void nodeAppUsesPackageJsonMain() throws Exception {
    Path app = Files.createDirectories(tmp.resolve("My_Shop"));
    Files.writeString(
        app.resolve("package.json"), "{\"name\": \"shop\", \"main\": \"lib/main.js\"}");
    AppConfig cfg = written(app, List.of("la", "nyc"));
    assertEquals("my-shop", cfg.name());
    assertEquals(AppConfig.Runtime.NODE, cfg.runtime());
    assertEquals(List.of("node", "lib/main.js"), cfg.startCommand());
    assertEquals("/", cfg.health());
    assertEquals(1, cfg.instances());
    EnvConfig prod = cfg.env("production");
    assertEquals(List.of("my-shop.localhost"), prod.routes());
    assertEquals(List.of("la", "nyc"), prod.servers());
    assertEquals("off", prod.tls());
  }

  @Test
  void nodeAppWithoutMainFindsTheEntrypoint() throws Exception {
    Path app = Files.createDirectories(tmp.resolve("hello"));
    Files.writeString(app.resolve("package.json"), "{\"name\": \"hello\"}");
    Files.writeString(app.resolve("app.js"), "");
    Files.writeString(app.resolve("index.js"), "");
    assertEquals(List.of("node", "index.js"), written(app, List.of("la")).startCommand());
  }

  @Test
  void nodeAppWithOnlyAStartScriptReliesOnIt() throws Exception {
    Path app = Files.createDirectories(tmp.resolve("web"));
    Files.writeString(
        app.resolve("package.json"),
        "{\"scripts\": {\"start\": \"node src/main.js\"}, \"dependencies\": {\"a\": \"1\"}}");
    Files.writeString(app.resolve("package-lock.json"), "{}");
    String text = TakoInit.initialToml(app, List.of("la"));
    assertTrue(!text.contains("main = "), text);
    assertTrue(text.contains("npm (found package-lock.json)"), text);
    List<String> start = written(app, List.of("la")).startCommand();
    assertTrue(start.get(2).endsWith("exec node src/main.js"), start.toString());
  }

  @Test
  void dependencyNoteNamesTheManagerOrWarnsWithoutLockfile() throws Exception {
    Path app = Files.createDirectories(tmp.resolve("p"));
    assertTrue(TakoInit.dependencyNote(app).isEmpty());
    Files.writeString(app.resolve("package.json"), "{}");
    assertTrue(TakoInit.dependencyNote(app).orElseThrow().contains("not reproducible"));
    Files.writeString(app.resolve("pnpm-lock.yaml"), "");
    assertTrue(
        TakoInit.dependencyNote(app)
            .orElseThrow()
            .contains("pnpm (found pnpm-lock.yaml); each server runs pnpm install --prod"));
  }

  @Test
  void goAppBuildsABinaryNamedAfterTheApp() throws Exception {
    Path app = Files.createDirectories(tmp.resolve("api"));
    Files.writeString(app.resolve("go.mod"), "module example.com/api\n");
    AppConfig cfg = written(app, List.of("la"));
    assertEquals(AppConfig.Runtime.GO, cfg.runtime());
    assertEquals("api", cfg.main());
    assertEquals("go build -o api .", cfg.build().run());
    assertEquals(List.of("./api"), cfg.startCommand());
  }

  @Test
  void singleJarIsAJavaApp() throws Exception {
    Path app = Files.createDirectories(tmp.resolve("svc"));
    Files.writeString(app.resolve("svc-1.0.jar"), "");
    assertEquals(
        List.of("java", "-jar", "svc-1.0.jar"), written(app, List.of("la")).startCommand());
  }

  @Test
  void anythingElseIsACommand() throws Exception {
    Path app = Files.createDirectories(tmp.resolve("9lives.app"));
    AppConfig cfg = written(app, List.of("la"));
    assertEquals("lives-app", cfg.name());
    assertEquals(AppConfig.Runtime.COMMAND, cfg.runtime());
    assertEquals(List.of("./start.sh"), cfg.startCommand());
  }

  @Test
  void withoutServersItSaysHowToAddOne() throws Exception {
    Path app = Files.createDirectories(tmp.resolve("hello"));
    String toml = TakoInit.initialToml(app, List.of());
    assertTrue(toml.contains("servers = []"), toml);
    assertTrue(toml.contains("tako servers add"), toml);
    Files.writeString(app.resolve("tako.toml"), toml);
    ConfigException e =
        assertThrows(ConfigException.class, () -> AppConfigLoader.load(app.resolve("tako.toml")));
    assertEquals(1, e.errors().size(), e.getMessage());
    assertEquals("envs.production.servers", e.errors().get(0).keyPath());
  }

  @Test
  void namesAreSanitizedToDnsLabels() {
    assertEquals("hello-world", TakoInit.appName(Path.of("/x/Hello World")));
    assertEquals("app", TakoInit.appName(Path.of("/x/___")));
    assertEquals("a".repeat(63), TakoInit.appName(Path.of("/x/" + "A".repeat(80))));
  }
}
