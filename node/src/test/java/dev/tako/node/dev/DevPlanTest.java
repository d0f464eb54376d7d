package dev.tako.node.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.protocol.config.AppConfig;
import dev.tako.protocol.config.AppConfigLoader;
import dev.tako.supervisor.ReleaseSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How tako.toml, the development secrets and the user's shell become what {@code tako dev} runs.
 */
class DevPlanTest {
  private static final Path DATA = Path.of("/work/app/.tako/dev/data");

  private static AppConfig parse(String toml) throws Exception {
    return AppConfigLoader.parse(toml, Path.of("tako.toml"));
  }

  private static final String BASE =
      """
      name = "hello"
      runtime = "node"
      main = "server.js"
      health = "/healthz"

      [vars]
      GREETING = "hi"
      SHARED = "base"

      [vars.development]
      GREETING = "dev"

      [vars.production]
      GREETING = "prod"

      [envs.production]
      routes = ["hello.example.com"]
      servers = ["la"]
      """;

  @Test
  void theEnvironmentIsTheShellThenVarsThenDevelopmentVarsThenSecretsThenTheContract()
      throws Exception {
    Map<String, String> shell =
        Map.of(
            "PATH", "/home/me/.nvm/bin:/usr/bin",
            "TERM", "xterm",
            "SHARED", "from-shell",
            "PORT", "3000",
            "HOST", "0.0.0.0",
            "TAKO_ENV", "production",
            "API_KEY", "from-shell");
    DevPlan plan =
        DevPlan.of(parse(BASE), Map.of("API_KEY", "secret", "GREETING", "sealed"), shell, DATA);
    Map<String, String> env = plan.environment();

    assertEquals("/home/me/.nvm/bin:/usr/bin", env.get("PATH"));
    assertEquals("xterm", env.get("TERM"));
    assertEquals("base", env.get("SHARED"), "[vars] over the shell");
    assertEquals("sealed", env.get("GREETING"), "secrets over [vars.development]");
    assertEquals("secret", env.get("API_KEY"));
    assertEquals("hello", env.get("TAKO_APP"));
    assertEquals("development", env.get("TAKO_ENV"));
    assertEquals("localhost", env.get("TAKO_SERVER"));
    assertEquals("local", env.get("TAKO_REGION"));
    assertEquals(DATA.toString(), env.get("TAKO_DATA_DIR"));
    // The supervisor sets these per instance; the shell's never leak in.
    assertFalse(env.containsKey("PORT"));
    assertFalse(env.containsKey("HOST"));
    assertEquals("/healthz", plan.health());
  }

  @Test
  void developmentVarsOverlayTheBaseVars() throws Exception {
    DevPlan plan = DevPlan.of(parse(BASE), Map.of(), Map.of(), DATA);
    assertEquals("dev", plan.environment().get("GREETING"));
    assertEquals("base", plan.environment().get("SHARED"));
  }

  @Test
  void theCommandIsDevElseTheRuntimeDefault() throws Exception {
    assertEquals(
        List.of("node", "server.js"), DevPlan.of(parse(BASE), Map.of(), Map.of(), DATA).command());
    AppConfig withDev =
        parse(BASE.replace("health =", "dev = [\"node\", \"--watch\", \"server.js\"]\nhealth ="));
    assertEquals(
        List.of("node", "--watch", "server.js"),
        DevPlan.of(withDev, Map.of(), Map.of(), DATA).command());
  }

  @Test
  void routesAreAppDotLocalhostUnlessTheDevelopmentEnvironmentNamesSome() throws Exception {
    DevPlan plain = DevPlan.of(parse(BASE), Map.of(), Map.of(), DATA);
    assertEquals(List.of("hello.localhost"), plain.routes());
    assertEquals(List.of("https://hello.localhost:47831/"), plain.urls(47831));
    assertEquals(List.of(), plain.hostsNeedingResolution());

    DevPlan custom =
        DevPlan.of(
            parse(
                BASE
                    + "\n[envs.development]\nroutes = [\"api.hello.localhost/v1/*\","
                    + " \"*.hello.localhost\", \"hello.test\"]\n"),
            Map.of(),
            Map.of(),
            DATA);
    assertEquals(
        List.of(
            "https://api.hello.localhost:8443/v1/",
            "https://*.hello.localhost:8443/",
            "https://hello.test:8443/"),
        custom.urls(8443));
    assertEquals(List.of("hello.test"), custom.hostsNeedingResolution());
    assertEquals(
        List.of("https://hello.test/"),
        DevPlan.of(
                parse(BASE + "\n[envs.development]\nroutes = [\"hello.test\"]\n"),
                Map.of(),
                Map.of(),
                DATA)
            .urls(443));
  }

  @Test
  void onlyRoutesChangingNeedsNoRestart() throws Exception {
    DevPlan before = DevPlan.of(parse(BASE), Map.of(), Map.of(), DATA);
    DevPlan newRoutes =
        DevPlan.of(
            parse(BASE + "\n[envs.development]\nroutes = [\"other.localhost\"]\n"),
            Map.of(),
            Map.of(),
            DATA);
    assertTrue(before.sameProcess(newRoutes));
    assertFalse(before.routes().equals(newRoutes.routes()));

    DevPlan newVar =
        DevPlan.of(parse(BASE.replace("\"dev\"", "\"changed\"")), Map.of(), Map.of(), DATA);
    assertFalse(before.sameProcess(newVar));
    DevPlan newSecret = DevPlan.of(parse(BASE), Map.of("TOKEN", "x"), Map.of(), DATA);
    assertFalse(before.sameProcess(newSecret));
    DevPlan newHealth =
        DevPlan.of(parse(BASE.replace("/healthz", "/up")), Map.of(), Map.of(), DATA);
    assertFalse(before.sameProcess(newHealth));
    DevPlan prodOnly =
        DevPlan.of(parse(BASE.replace("\"prod\"", "\"other\"")), Map.of(), Map.of(), DATA);
    assertTrue(before.sameProcess(prodOnly), "production vars do not concern tako dev");
  }

  @Test
  void theSpecRunsInTheAppDirectoryWithTheReleaseAsTakoRelease() throws Exception {
    DevPlan plan = DevPlan.of(parse(BASE), Map.of(), Map.of(), DATA);
    Path app = Path.of("/work/app");
    ReleaseSpec spec = plan.spec("dev-3", app, app.resolve("logs"), app.resolve("run"));
    assertEquals("hello", spec.app());
    assertEquals("development", spec.env());
    assertEquals("dev-3", spec.release());
    assertEquals(app, spec.releaseDir());
    assertEquals("dev-3", spec.environment().get("TAKO_RELEASE"));
    assertEquals("/healthz", spec.healthPath());
    assertEquals(List.of("node", "server.js"), spec.command());
  }
}
