package dev.tako.protocol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppConfigLoaderTest {
  private static final Path FILE = Path.of("tako.toml");
  private static final String VALID_ENV =
      "\n[envs.production]\nroutes = [\"hello.example.com\"]\nservers = [\"la\"]\n";
  private static final String HEAD = "name = \"hello\"\nruntime = \"node\"\nmain = \"server.js\"\n";

  @TempDir Path dir;

  private static List<ConfigError> errors(String toml) {
    ConfigException e =
        assertThrows(ConfigException.class, () -> AppConfigLoader.parse(toml, FILE), toml);
    assertEquals(
        e.errors().stream().map(ConfigError::render).collect(Collectors.joining("\n")),
        e.getMessage());
    return e.errors();
  }

  /** Asserts that one rendered line names the file and key path and contains every fragment. */
  private static void assertError(List<ConfigError> errors, String keyPath, String... fragments) {
    String prefix = "error: tako.toml: " + keyPath + ": ";
    for (ConfigError e : errors) {
      String line = e.render();
      if (line.startsWith(prefix) && List.of(fragments).stream().allMatch(line::contains)) {
        assertTrue(!line.contains("\n"), line);
        return;
      }
    }
    fail(
        "no error "
            + prefix
            + "… with "
            + List.of(fragments)
            + " in:\n"
            + errors.stream().map(ConfigError::render).collect(Collectors.joining("\n")));
  }

  @Test
  void loadsTheSpecExampleWithDefaultsAndOrder() throws Exception {
    Path file = dir.resolve("tako.toml");
    Files.writeString(
        file,
        """
        name = "hello"
        runtime = "node"
        main = "server.js"
        start = ["node", "server.js"]
        health = "/healthz"
        instances = 2
        idle_timeout = "10m"
        release = "node migrate.js"
        dev = ["node", "--watch", "server.js"]

        [build]
        run = "npm run build"
        include = ["dist/**", "package.json"]
        exclude = ["**/*.map"]

        [vars]
        GREETING = "hi"
        PORTS = 3
        DEBUG = true
        [vars.production]
        GREETING = "hello"

        [envs.staging]
        routes = ["staging.example.com"]
        servers = ["la"]

        [envs.production]
        routes = ["hello.example.com", "*.hello.example.com", "example.com/api/*"]
        servers = ["la", "nyc", "fra", "sgp"]
        strategy = "rolling"
        tls = "acme"
        acme_email = "ops@example.com"
        """);
    AppConfig cfg = AppConfigLoader.load(file);
    assertEquals("hello", cfg.name());
    assertEquals(AppConfig.Runtime.NODE, cfg.runtime());
    assertEquals(2, cfg.instances());
    assertEquals(Duration.ofMinutes(10), cfg.idleTimeout());
    assertEquals("node migrate.js", cfg.release());
    assertEquals(List.of("node", "--watch", "server.js"), cfg.dev());
    assertEquals(
        new BuildConfig("npm run build", List.of("dist/**", "package.json"), List.of("**/*.map")),
        cfg.build());
    assertEquals(Map.of("GREETING", "hi", "PORTS", "3", "DEBUG", "true"), cfg.vars());
    assertEquals(List.of("staging", "production"), List.copyOf(cfg.envs().keySet()));
    EnvConfig prod = cfg.env("production");
    assertEquals(List.of("la", "nyc", "fra", "sgp"), prod.servers());
    assertEquals("rolling", prod.strategy());
    assertEquals("acme", prod.tls());
    assertEquals("ops@example.com", prod.acmeEmail());
    assertEquals(EnvConfig.DEFAULT_ACME_DIRECTORY, prod.acmeDirectory());
    assertEquals(file, cfg.file());
  }

  @Test
  void defaults() throws Exception {
    AppConfig cfg = AppConfigLoader.parse(HEAD + VALID_ENV, FILE);
    assertEquals("/", cfg.health());
    assertEquals(1, cfg.instances());
    assertEquals(Duration.ofMinutes(5), cfg.idleTimeout());
    assertNull(cfg.release());
    assertEquals(List.of(), cfg.start());
    assertEquals(List.of(), cfg.dev());
    assertEquals(BuildConfig.NONE, cfg.build());
    assertEquals(Map.of(), cfg.vars());
    EnvConfig env = cfg.env("production");
    assertEquals("atomic", env.strategy());
    assertEquals("off", env.tls());
    assertNull(env.acmeEmail());
    assertEquals("https://acme-v02.api.letsencrypt.org/directory", env.acmeDirectory());
  }

  @Test
  void missingFileSuggestsTakoInit() {
    Path file = dir.resolve("tako.toml");
    ConfigException e = assertThrows(ConfigException.class, () -> AppConfigLoader.load(file));
    assertEquals(1, e.errors().size());
    String line = e.getMessage();
    assertTrue(line.startsWith("error: " + file + ": file not found"), line);
    assertTrue(line.contains("tako init"), line);
  }

  @Test
  void syntaxErrorNamesTheLine() throws IOException {
    Path file = dir.resolve("tako.toml");
    Files.writeString(file, "name = \"hello\"\nruntime = \"node\"\nmain = = \"x\"\n");
    ConfigException e = assertThrows(ConfigException.class, () -> AppConfigLoader.load(file));
    String line = e.getMessage();
    assertTrue(line.startsWith("error: " + file + ": line 3: invalid TOML"), line);
    assertEquals(3, e.errors().get(0).line());
    assertTrue(!line.contains("\n"), line);
  }

  @Test
  void unknownKeysAtEveryLevelListTheAcceptedKeys() {
    List<ConfigError> errors =
        errors(
            HEAD
                + "helth = \"/\"\n[build]\nrunn = \"x\"\n"
                + "[envs.production]\nroutes = [\"a.com\"]\nservers = [\"la\"]\nstrategi = \"atomic\"\n");
    assertEquals(3, errors.size(), errors.toString());
    assertError(errors, "helth", "unknown key \"helth\"", "accepted: name, runtime, main");
    assertError(errors, "build.runn", "unknown key \"runn\"", "accepted: run, include, exclude");
    assertError(
        errors,
        "envs.production.strategi",
        "unknown key \"strategi\"",
        "accepted: routes, servers, strategy, tls, acme_email, acme_directory");
  }

  @Test
  void unknownVarsEnvironmentAndBadVarValues() {
    List<ConfigError> errors =
        errors(
            HEAD
                + "[vars]\nA = \"1\"\nLIST = [1, 2]\n\"BAD-NAME\" = \"x\"\nPORT = \"1\"\n"
                + "[vars.staging]\nA = \"2\"\n[vars.production]\nB = { x = 1 }\n"
                + VALID_ENV);
    assertError(
        errors,
        "vars.staging",
        "unknown environment \"staging\"",
        "accepted: production, development");
    assertError(errors, "vars.LIST", "[1,2]", "expected a string, number or boolean");
    assertError(errors, "vars.BAD-NAME", "\"BAD-NAME\"", "letters, digits and '_'");
    assertError(errors, "vars.PORT", "\"PORT\"", "reserved: PORT, HOST, TAKO_*");
    assertError(errors, "vars.production.B", "a table", "expected a string, number or boolean");
  }

  @Test
  void developmentVarsNeedNoEnvironment() throws Exception {
    AppConfig cfg =
        AppConfigLoader.parse(HEAD + "[vars.development]\nDEBUG = 1\n" + VALID_ENV, FILE);
    assertEquals(Map.of("DEBUG", "1"), cfg.varsFor("development"));
  }

  @Test
  void nameMustBeADnsLabel() {
    assertError(
        errors(HEAD.replace("\"hello\"", "\"Hello_World\"") + VALID_ENV),
        "name",
        "\"Hello_World\"",
        "DNS label",
        "lower-case letters, digits and '-'");
    assertError(errors(HEAD.replace("name = \"hello\"\n", "") + VALID_ENV), "name", "missing");
    assertError(
        errors(HEAD.replace("\"hello\"", "42") + VALID_ENV),
        "name",
        "expected a string, got the number 42");
  }

  @Test
  void runtimeMustBeKnown() {
    assertError(
        errors(HEAD.replace("\"node\"", "\"python\"") + VALID_ENV),
        "runtime",
        "unknown runtime \"python\"",
        "accepted: node, bun, go, java, command");
    assertError(
        errors(HEAD.replace("runtime = \"node\"\n", "") + VALID_ENV),
        "runtime",
        "missing",
        "accepted: node, bun, go, java, command");
  }

  @Test
  void mainIsRequiredForRuntimesThatDeriveTheStartCommand() {
    for (String runtime : List.of("node", "bun", "go", "java")) {
      assertError(
          errors("name = \"hello\"\nruntime = \"" + runtime + "\"\n" + VALID_ENV),
          "main",
          "missing",
          "runtime \"" + runtime + "\"",
          "example: main = ");
    }
  }

  @Test
  void nodeWithoutMainOrStartRunsPackageJsonsStartScript() throws Exception {
    Files.writeString(
        dir.resolve("package.json"), "{\"scripts\": {\"start\": \"node server.js\"}}");
    String toml = "name = \"hello\"\nruntime = \"node\"\n" + VALID_ENV;
    AppConfig cfg = AppConfigLoader.parse(toml, dir.resolve("tako.toml"));
    List<String> start = cfg.startCommand();
    assertEquals(List.of("sh", "-c"), start.subList(0, 2));
    assertTrue(start.get(2).endsWith("exec node server.js"), start.get(2));
    assertTrue(start.get(2).contains("node_modules/.bin"), start.get(2));
  }

  @Test
  void mainMissingWithoutStartScriptSuggestsOne() throws Exception {
    Files.writeString(dir.resolve("package.json"), "{\"scripts\": {\"test\": \"jest\"}}");
    String toml = "name = \"hello\"\nruntime = \"node\"\n" + VALID_ENV;
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> AppConfigLoader.parse(toml, dir.resolve("tako.toml")));
    assertTrue(
        e.getMessage().contains("main: missing;")
            && e.getMessage().contains("or a start script in package.json"),
        e.getMessage());
  }

  @Test
  void startIsRequiredForCommandAndMustBeNonEmptyStrings() {
    assertError(
        errors("name = \"hello\"\nruntime = \"command\"\n" + VALID_ENV),
        "start",
        "missing",
        "runtime \"command\"",
        "example: start = [\"./start.sh\"]");
    assertError(
        errors(HEAD + "start = \"node server.js\"\n" + VALID_ENV),
        "start",
        "expected an array of strings, got the string \"node server.js\"");
    assertError(
        errors(HEAD + "start = [\"node\", \"\"]\n" + VALID_ENV),
        "start",
        "\"\" is not allowed",
        "empty string");
    assertError(errors(HEAD + "start = []\n" + VALID_ENV), "start", "[]", "must not be empty");
    assertError(
        errors(HEAD + "dev = [\"node\", 3]\n" + VALID_ENV),
        "dev",
        "3",
        "expected strings only, got the number 3");
  }

  @Test
  void healthMustBeAPath() {
    assertError(
        errors(HEAD + "health = \"healthz\"\n" + VALID_ENV),
        "health",
        "\"healthz\"",
        "starting with \"/\"");
  }

  @Test
  void instancesMustBeANonNegativeInteger() {
    assertError(
        errors(HEAD + "instances = -1\n" + VALID_ENV),
        "instances",
        "-1 is out of range",
        "an integer >= 0");
    assertError(
        errors(HEAD + "instances = \"2\"\n" + VALID_ENV),
        "instances",
        "expected an integer, got the string \"2\"");
    assertError(
        errors(HEAD + "instances = 1.5\n" + VALID_ENV),
        "instances",
        "expected an integer, got the number 1.5");
  }

  @Test
  void zeroInstancesIsAllowed() throws Exception {
    assertEquals(0, AppConfigLoader.parse(HEAD + "instances = 0\n" + VALID_ENV, FILE).instances());
  }

  @Test
  void idleTimeoutMustBeADuration() {
    assertError(
        errors(HEAD + "idle_timeout = \"5 minutes\"\n" + VALID_ENV),
        "idle_timeout",
        "\"5 minutes\" is not a duration",
        "500ms, 3s, 5m, 1h");
  }

  @Test
  void everyEnvNeedsRoutesAndServers() {
    List<ConfigError> errors = errors(HEAD + "[envs.production]\nstrategy = \"atomic\"\n");
    assertError(
        errors,
        "envs.production.routes",
        "missing",
        "at least one route",
        "host, *.host or host/path/*");
    assertError(errors, "envs.production.servers", "missing", "tako servers add");
    List<ConfigError> empty = errors(HEAD + "[envs.production]\nroutes = []\nservers = []\n");
    assertError(empty, "envs.production.routes", "[]", "must not be empty");
    assertError(empty, "envs.production.servers", "[]", "at least one server");
  }

  @Test
  void developmentEnvironmentMayHaveRoutesOnly() throws Exception {
    AppConfig cfg =
        AppConfigLoader.parse(HEAD + "[envs.development]\nroutes = [\"hello.test\"]\n", FILE);
    assertEquals(List.of(), cfg.env("development").servers());
  }

  @Test
  void routesAreValidatedByRoutePattern() {
    List<ConfigError> errors =
        errors(
            HEAD
                + "[envs.production]\nroutes = [\"foo bar\", \"a.com/api*\", \"ok.com\", \"OK.com\"]\n"
                + "servers = [\"la\"]\n");
    assertError(
        errors,
        "envs.production.routes",
        "\"foo bar\" is not a valid route",
        "not a valid host label",
        "accepted: host, *.host or host/path/*");
    assertError(errors, "envs.production.routes", "\"a.com/api*\"", "ends with /*");
    assertError(errors, "envs.production.routes", "\"OK.com\" is listed twice");
    assertEquals(3, errors.size(), errors.toString());
  }

  @Test
  void wrongTypesNameWhatWasExpected() {
    List<ConfigError> errors =
        errors(HEAD + "[envs.production]\nroutes = \"x\"\nservers = \"la\"\ntls = true\n");
    assertError(
        errors,
        "envs.production.routes",
        "expected an array of strings, got the string \"x\"",
        "example: routes = [");
    assertError(errors, "envs.production.servers", "got the string \"la\"");
    assertError(errors, "envs.production.tls", "expected a string, got the boolean true");
    assertError(errors(HEAD + "envs = 3\n"), "envs", "expected a table, got the number 3");
    assertError(errors(HEAD + "build = \"npm\"\n" + VALID_ENV), "build", "expected a table");
    assertError(errors(HEAD + "[envs]\nproduction = 1\n"), "envs.production", "expected a table");
  }

  @Test
  void strategyAndTlsValues() {
    List<ConfigError> errors = errors(HEAD + VALID_ENV + "strategy = \"fast\"\ntls = \"on\"\n");
    assertError(
        errors,
        "envs.production.strategy",
        "unknown strategy \"fast\"",
        "accepted: atomic, rolling");
    assertError(
        errors, "envs.production.tls", "unknown tls \"on\"", "accepted: off, self-signed, acme");
  }

  @Test
  void acmeNeedsAnEmail() {
    assertError(
        errors(HEAD + VALID_ENV + "tls = \"acme\"\n"),
        "envs.production.acme_email",
        "missing",
        "tls = \"acme\"",
        "example: acme_email = \"ops@example.com\"");
    assertError(
        errors(HEAD + VALID_ENV + "tls = \"acme\"\nacme_email = \"ops\"\n"),
        "envs.production.acme_email",
        "\"ops\" is not an e-mail address");
    assertError(
        errors(HEAD + VALID_ENV + "acme_directory = \"ftp://x\"\n"),
        "envs.production.acme_directory",
        "\"ftp://x\"",
        "http(s) URL");
  }

  @Test
  void serverNamesAreDnsLabels() {
    List<ConfigError> errors =
        errors(
            HEAD
                + "[envs.production]\nroutes = [\"a.com\"]\nservers = [\"LA\", \"nyc\", \"nyc\"]\n");
    assertError(errors, "envs.production.servers", "server name \"LA\"", "DNS label");
    assertError(errors, "envs.production.servers", "\"nyc\" is listed twice");
    assertError(
        errors(HEAD + "[envs.Prod]\nroutes = [\"a.com\"]\nservers = [\"la\"]\n"),
        "envs.Prod",
        "environment name \"Prod\"",
        "DNS label");
  }

  @Test
  void reportsEveryErrorAtOnce() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                AppConfigLoader.parse(
                    """
                    name = "Bad Name"
                    runtime = "python"
                    health = "x"
                    instances = -2
                    idle_timeout = "soon"
                    colour = "blue"
                    [envs.production]
                    routes = ["bad route"]
                    servers = ["la"]
                    tls = "acme"
                    """,
                    FILE));
    assertEquals(8, e.errors().size(), e.getMessage());
    assertEquals(8, e.getMessage().lines().count());
    e.getMessage().lines().forEach(l -> assertTrue(l.startsWith("error: tako.toml: "), l));
  }

  @Test
  void checkServersNamesUnknownServersAndHowToAddThem() throws Exception {
    AppConfig cfg =
        AppConfigLoader.parse(
            HEAD + "[envs.production]\nroutes = [\"a.com\"]\nservers = [\"la\", \"xyz\"]\n", FILE);
    List<ConfigError> errors =
        AppConfigLoader.checkServers(cfg, "production", List.of("la", "nyc"));
    assertEquals(1, errors.size());
    assertEquals(
        "error: tako.toml: envs.production.servers: unknown server \"xyz\" (known: la, nyc;"
            + " add one with: tako servers add xyz --host HOST)",
        errors.get(0).render());
    assertEquals(List.of(), AppConfigLoader.checkServers(cfg, "production", List.of("la", "xyz")));
    assertError(
        AppConfigLoader.checkServers(cfg, "staging", List.of("la")),
        "envs",
        "no environment \"staging\"",
        "environments: production");
  }

  @Test
  void renderWithAndWithoutLineAndKeyPath() {
    assertEquals(
        "error: tako.toml: line 4: invalid TOML: x",
        new ConfigError("tako.toml", 4, null, null, "invalid TOML: x").render());
    assertEquals(
        "error: a.toml: name: bad one two",
        new ConfigError("a.toml", null, "name", "\"x\"", "bad\none\r\n two").render());
  }

  @Test
  void channelsTableWithDefaults() throws Exception {
    AppConfig cfg =
        AppConfigLoader.parse(
            HEAD + "[channels]\npublic = [\"news\", \"room-*\"]\n" + VALID_ENV, FILE);
    ChannelsConfig channels = cfg.channels();
    assertEquals(List.of("news", "room-*"), channels.publicPatterns());
    assertEquals(null, channels.authorize());
    assertEquals("10m", channels.retention());
    assertEquals(1000, channels.retentionMessages());
    assertEquals(null, AppConfigLoader.parse(HEAD + VALID_ENV, FILE).channels());
  }

  @Test
  void channelsTableWithEveryKey() throws Exception {
    ChannelsConfig channels =
        AppConfigLoader.parse(
                HEAD
                    + "[channels]\npublic = []\nauthorize = \"/auth/channel\"\n"
                    + "retention = \"1h\"\nretention_messages = 50\n"
                    + VALID_ENV,
                FILE)
            .channels();
    assertEquals(new ChannelsConfig(List.of(), "/auth/channel", "1h", 50), channels);
  }

  @Test
  void badChannelsValuesAreAllReported() {
    List<ConfigError> errors =
        errors(
            HEAD
                + "[channels]\npublic = [\"ok-*\", \"no spaces\", \"x/y\"]\n"
                + "authorize = \"auth?x=1\"\nretention = \"forever\"\n"
                + "retention_messages = 0\nhistory = 1\n"
                + VALID_ENV);
    assertError(errors, "channels.public", "\"no spaces\" is not a channel name or pattern");
    assertError(errors, "channels.public", "\"x/y\"");
    assertError(errors, "channels.authorize", "must be a path of the app starting with \"/\"");
    assertError(errors, "channels.retention", "\"forever\" is not a duration");
    assertError(errors, "channels.retention_messages", "0 is out of range", "1 to 100000");
    assertError(errors, "channels.history", "unknown key \"history\"", "retention_messages");
    assertEquals(6, errors.size(), errors.toString());
  }

  @Test
  void channelsRetentionBounds() {
    assertError(
        errors(HEAD + "[channels]\nretention = \"0s\"\n" + VALID_ENV),
        "channels.retention",
        "out of range");
    assertError(
        errors(HEAD + "[channels]\nretention = \"169h\"\n" + VALID_ENV),
        "channels.retention",
        "at most 168h");
    assertError(
        errors(HEAD + "[channels]\npublic = \"news\"\n" + VALID_ENV),
        "channels.public",
        "expected");
  }
}
