package dev.tako.protocol.config;

import static dev.tako.protocol.config.TomlChecks.DNS_LABEL;
import static dev.tako.protocol.config.TomlChecks.DNS_LABEL_RULE;
import static dev.tako.protocol.config.TomlChecks.path;
import static dev.tako.protocol.config.TomlChecks.quote;
import static dev.tako.protocol.config.TomlChecks.show;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tako.protocol.Durations;
import dev.tako.protocol.RoutePattern;
import dev.tako.protocol.deps.PackageJson;
import dev.tako.protocol.deps.StartScript;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates tako.toml (SPEC §3) into an {@link AppConfig}. Validation is by hand over the
 * TOML tree so that every problem is reported at once, each as one {@code error:} line naming the
 * file, key path, offending value and what is accepted. Fails only with {@link ConfigException}.
 */
public final class AppConfigLoader {
  /** The name environments get in {@code tako dev}; it may have vars without an [envs] table. */
  public static final String DEVELOPMENT = "development";

  static final List<String> TOP_KEYS =
      List.of(
          "name",
          "runtime",
          "main",
          "start",
          "health",
          "instances",
          "idle_timeout",
          "release",
          "dev",
          "build",
          "vars",
          "channels",
          "envs");
  static final List<String> BUILD_KEYS = List.of("run", "include", "exclude");
  static final List<String> CHANNELS_KEYS =
      List.of("public", "authorize", "retention", "retention_messages");
  static final List<String> ENV_KEYS =
      List.of("routes", "servers", "strategy", "tls", "acme_email", "acme_directory");

  private static final Pattern VAR_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Set<String> RESERVED_VARS = Set.of("PORT", "HOST");
  private static final String ROUTE_FORMS = "host, *.host or host/path/*";

  private AppConfigLoader() {}

  /**
   * Loads {@code file}; error lines show the path as given (so "tako.toml" stays "tako.toml").
   *
   * @throws ConfigException with every problem found, or one saying the file is missing
   */
  public static AppConfig load(Path file) throws ConfigException {
    TomlChecks checks = new TomlChecks(file.toString());
    ObjectNode root =
        checks.read(file, "run tako init in the app directory to write one, or pass -c FILE");
    checks.throwIfAny();
    return validate(root, file, checks);
  }

  /** Validates TOML text as if read from {@code file} (for editors and tests). */
  public static AppConfig parse(String toml, Path file) throws ConfigException {
    TomlChecks checks = new TomlChecks(file.toString());
    ObjectNode root = checks.parse(toml);
    checks.throwIfAny();
    return validate(root, file, checks);
  }

  /**
   * The unknown-server errors for one environment: each server it lists that is not in {@code
   * knownServers} (the inventory). An environment that does not exist gives that error instead.
   */
  public static List<ConfigError> checkServers(
      AppConfig cfg, String env, Collection<String> knownServers) {
    EnvConfig envConfig;
    try {
      envConfig = cfg.env(env);
    } catch (ConfigException e) {
      return e.errors();
    }
    String known = knownServers.isEmpty() ? "none" : String.join(", ", knownServers);
    List<ConfigError> out = new ArrayList<>();
    for (String server : envConfig.servers()) {
      if (!knownServers.contains(server)) {
        out.add(
            new ConfigError(
                String.valueOf(cfg.file()),
                null,
                path(path("envs", env), "servers"),
                quote(server),
                "unknown server "
                    + quote(server)
                    + " (known: "
                    + known
                    + "; add one with: tako servers add "
                    + server
                    + " --host HOST)"));
      }
    }
    return List.copyOf(out);
  }

  private static AppConfig validate(ObjectNode root, Path file, TomlChecks c)
      throws ConfigException {
    c.unknownKeys(root, "", TOP_KEYS);

    String name = c.string(root, "name", "", "name = \"hello\"");
    if (!root.has("name")) {
      c.add("name", null, "missing; every app needs a name (" + DNS_LABEL_RULE + ")");
    } else if (name != null && !DNS_LABEL.matcher(name).matches()) {
      c.add("name", quote(name), quote(name) + " is not " + DNS_LABEL_RULE);
    }

    AppConfig.Runtime runtime = null;
    String runtimeText = c.string(root, "runtime", "", "runtime = \"node\"");
    if (!root.has("runtime")) {
      c.add("runtime", null, "missing (accepted: " + AppConfig.Runtime.accepted() + ")");
    } else if (runtimeText != null) {
      runtime = AppConfig.Runtime.fromToml(runtimeText).orElse(null);
      if (runtime == null) {
        c.add(
            "runtime",
            quote(runtimeText),
            "unknown runtime "
                + quote(runtimeText)
                + " (accepted: "
                + AppConfig.Runtime.accepted()
                + ")");
      }
    }

    String main = c.nonBlank(root, "main", "", "main = \"server.js\"");
    List<String> start = c.strings(root, "start", "", "start = [\"./start.sh\"]", false);
    if (runtime != null && runtime.needsMain() && !root.has("main") && !root.has("start")) {
      // SPEC §10: a node or bun app without main and start runs package.json's scripts.start.
      String script = isJavaScript(runtime) ? startScript(file) : null;
      if (script != null) {
        start = StartScript.command(script);
      } else {
        c.add(
            "main",
            null,
            "missing; runtime "
                + quote(runtime.tomlName())
                + " needs the entrypoint to run (example: main = \""
                + exampleMain(runtime)
                + "\")"
                + (isJavaScript(runtime) ? " or a start script in package.json" : ""));
      }
    }

    if (runtime == AppConfig.Runtime.COMMAND && !root.has("start")) {
      c.add(
          "start",
          null,
          "missing; runtime \"command\" needs the command to run, as an array"
              + " (example: start = [\"./start.sh\"])");
    }

    String health = c.string(root, "health", "", "health = \"/healthz\"");
    if (health != null && !health.startsWith("/")) {
      c.add(
          "health",
          quote(health),
          quote(health) + " must be a path starting with \"/\" (example: health = \"/healthz\")");
    }

    int instances = 1;
    Long inst = c.integer(root, "instances", "", "instances = 1");
    if (inst != null) {
      if (inst < 0 || inst > Integer.MAX_VALUE) {
        c.add(
            "instances",
            String.valueOf(inst),
            inst + " is out of range (accepted: an integer >= 0; 0 starts instances on demand)");
      } else {
        instances = inst.intValue();
      }
    }

    Duration idleTimeout = null;
    String idle = c.string(root, "idle_timeout", "", "idle_timeout = \"5m\"");
    if (idle != null) {
      try {
        idleTimeout = Durations.parse(idle);
      } catch (IllegalArgumentException e) {
        c.add("idle_timeout", quote(idle), e.getMessage());
      }
    }

    String release = c.nonBlank(root, "release", "", "release = \"node migrate.js\"");
    List<String> dev =
        c.strings(root, "dev", "", "dev = [\"node\", \"--watch\", \"server.js\"]", false);
    BuildConfig build = build(root, c);
    ChannelsConfig channels = channels(root, c);
    Map<String, EnvConfig> envs = envs(root, c);
    Map<String, String> vars = new LinkedHashMap<>();
    Map<String, Map<String, String>> varsByEnv = new LinkedHashMap<>();
    vars(root, c, envs.keySet(), vars, varsByEnv);

    c.throwIfAny();
    return new AppConfig(
        name,
        runtime,
        main,
        start,
        health,
        instances,
        idleTimeout,
        release,
        dev,
        build,
        vars,
        varsByEnv,
        envs,
        file,
        channels);
  }

  private static boolean isJavaScript(AppConfig.Runtime runtime) {
    return runtime == AppConfig.Runtime.NODE || runtime == AppConfig.Runtime.BUN;
  }

  /** scripts.start of the package.json beside tako.toml, or null (none, or unreadable). */
  private static String startScript(Path file) {
    Path dir = file == null ? null : file.toAbsolutePath().getParent();
    if (dir == null) {
      return null;
    }
    try {
      return PackageJson.in(dir).flatMap(PackageJson::startScript).orElse(null);
    } catch (IOException e) {
      return null; // the error about main says what to add
    }
  }

  private static String exampleMain(AppConfig.Runtime runtime) {
    return switch (runtime) {
      case GO -> "hello";
      case JAVA -> "app.jar";
      default -> "server.js";
    };
  }

  /** {@code [channels]} (SPEC §13), or null when the file has none. */
  private static ChannelsConfig channels(ObjectNode root, TomlChecks c) {
    ObjectNode t = c.table(root, "channels", "", "[channels] public = [\"news\", \"room-*\"]");
    if (t == null) {
      return null;
    }
    c.unknownKeys(t, "channels", CHANNELS_KEYS);
    List<String> patterns =
        c.strings(t, "public", "channels", "public = [\"news\", \"room-*\"]", true);
    patterns = patterns == null ? List.of() : patterns;
    for (String p : patterns) {
      if (!ChannelsConfig.PATTERN.matcher(p).matches()) {
        c.add(
            "channels.public",
            quote(p),
            quote(p) + " is not a channel name or pattern (" + ChannelsConfig.NAME_RULE + ")");
      }
    }
    String authorize = c.string(t, "authorize", "channels", "authorize = \"/auth/channel\"");
    if (authorize != null
        && (!authorize.startsWith("/")
            || !authorize
                .chars()
                .allMatch(ch -> ch > 0x20 && ch < 0x7f && ch != '?' && ch != '#'))) {
      c.add(
          "channels.authorize",
          quote(authorize),
          quote(authorize)
              + " must be a path of the app starting with \"/\", without query"
              + " (example: authorize = \"/auth/channel\")");
      authorize = null;
    }
    String retention = c.string(t, "retention", "channels", "retention = \"10m\"");
    if (retention != null) {
      try {
        Duration d = Durations.parse(retention);
        if (d.isZero() || d.compareTo(ChannelsConfig.MAX_RETENTION) > 0) {
          c.add(
              "channels.retention",
              quote(retention),
              quote(retention) + " is out of range (accepted: more than 0, at most 168h)");
        }
      } catch (IllegalArgumentException e) {
        c.add("channels.retention", quote(retention), e.getMessage());
      }
    }
    int messages = ChannelsConfig.DEFAULT_RETENTION_MESSAGES;
    Long n = c.integer(t, "retention_messages", "channels", "retention_messages = 1000");
    if (n != null) {
      if (n < 1 || n > ChannelsConfig.MAX_RETENTION_MESSAGES) {
        c.add(
            "channels.retention_messages",
            String.valueOf(n),
            n + " is out of range (accepted: an integer from 1 to 100000)");
      } else {
        messages = n.intValue();
      }
    }
    return new ChannelsConfig(patterns, authorize, retention, messages);
  }

  private static BuildConfig build(ObjectNode root, TomlChecks c) {
    ObjectNode t = c.table(root, "build", "", "[build] run = \"npm run build\"");
    if (t == null) {
      return BuildConfig.NONE;
    }
    c.unknownKeys(t, "build", BUILD_KEYS);
    String run = c.nonBlank(t, "run", "build", "run = \"npm run build\"");
    List<String> include = c.strings(t, "include", "build", "include = [\"dist/**\"]", true);
    List<String> exclude = c.strings(t, "exclude", "build", "exclude = [\"**/*.map\"]", true);
    return new BuildConfig(run, include, exclude);
  }

  private static Map<String, EnvConfig> envs(ObjectNode root, TomlChecks c) {
    Map<String, EnvConfig> out = new LinkedHashMap<>();
    ObjectNode envs = c.table(root, "envs", "", "[envs.production] routes = [\"app.example.com\"]");
    if (envs == null) {
      return out;
    }
    for (Map.Entry<String, JsonNode> entry : TomlChecks.entries(envs)) {
      String envName = entry.getKey();
      String at = path("envs", envName);
      if (!DNS_LABEL.matcher(envName).matches()) {
        c.add(
            at, quote(envName), "environment name " + quote(envName) + " is not " + DNS_LABEL_RULE);
      }
      if (!entry.getValue().isObject()) {
        c.typeError(at, entry.getValue(), "a table", "[" + at + "] routes = [\"app.example.com\"]");
        continue;
      }
      EnvConfig env = env((ObjectNode) entry.getValue(), envName, at, c);
      if (env != null) {
        out.put(envName, env);
      }
    }
    return out;
  }

  private static EnvConfig env(ObjectNode t, String envName, String at, TomlChecks c) {
    c.unknownKeys(t, at, ENV_KEYS);
    String routesAt = path(at, "routes");
    List<String> routes = c.strings(t, "routes", at, "routes = [\"hello.example.com\"]", false);
    if (!t.has("routes")) {
      c.add(
          routesAt,
          null,
          "missing; every environment needs at least one route ("
              + ROUTE_FORMS
              + "; example: routes = [\"hello.example.com\"])");
    }
    if (routes != null) {
      Set<String> seen = new HashSet<>();
      for (String route : routes) {
        try {
          RoutePattern pattern = RoutePattern.parse(route);
          if (!seen.add(pattern.toString())) {
            c.add(routesAt, quote(route), "route " + quote(route) + " is listed twice");
          }
        } catch (IllegalArgumentException e) {
          c.add(
              routesAt,
              quote(route),
              quote(route)
                  + " is not a valid route: "
                  + e.getMessage()
                  + " (accepted: "
                  + ROUTE_FORMS
                  + ")");
        }
      }
    }

    String serversAt = path(at, "servers");
    List<String> servers = c.strings(t, "servers", at, "servers = [\"la\", \"nyc\"]", true);
    // `tako dev` never deploys, so a development environment may name routes only.
    boolean needsServers = !DEVELOPMENT.equals(envName);
    if (needsServers && !t.has("servers")) {
      c.add(
          serversAt,
          null,
          "missing; every environment needs at least one server"
              + " (example: servers = [\"la\"]; add one with: tako servers add NAME --host HOST)");
    } else if (needsServers && servers != null && servers.isEmpty()) {
      c.add(
          serversAt,
          "[]",
          "[] is empty; every environment needs at least one server"
              + " (add one with: tako servers add NAME --host HOST, then list it here)");
    }
    if (servers != null) {
      Set<String> seen = new LinkedHashSet<>();
      for (String server : servers) {
        if (!DNS_LABEL.matcher(server).matches()) {
          c.add(
              serversAt,
              quote(server),
              "server name " + quote(server) + " is not " + DNS_LABEL_RULE);
        } else if (!seen.add(server)) {
          c.add(serversAt, quote(server), "server " + quote(server) + " is listed twice");
        }
      }
    }

    String strategy = oneOf(t, "strategy", at, EnvConfig.STRATEGIES, c);
    String tls = oneOf(t, "tls", at, EnvConfig.TLS_MODES, c);
    String email = c.nonBlank(t, "acme_email", at, "acme_email = \"ops@example.com\"");
    if (email != null && !email.matches("[^@\\s]+@[^@\\s]+")) {
      c.add(
          path(at, "acme_email"),
          quote(email),
          quote(email) + " is not an e-mail address (example: acme_email = \"ops@example.com\")");
    }
    if ("acme".equals(tls) && !t.has("acme_email")) {
      c.add(
          path(at, "acme_email"),
          null,
          "missing; tls = \"acme\" needs a contact e-mail for the certificate authority"
              + " (example: acme_email = \"ops@example.com\")");
    }
    String directory =
        c.nonBlank(
            t,
            "acme_directory",
            at,
            "acme_directory = \"" + EnvConfig.DEFAULT_ACME_DIRECTORY + "\"");
    if (directory != null && !directory.matches("https?://\\S+")) {
      c.add(
          path(at, "acme_directory"),
          quote(directory),
          quote(directory)
              + " is not an http(s) URL (default: "
              + EnvConfig.DEFAULT_ACME_DIRECTORY
              + ")");
    }
    if (servers == null && !needsServers && !t.has("servers")) {
      servers = List.of();
    }
    if (routes == null || servers == null) {
      return null;
    }
    return new EnvConfig(routes, servers, strategy, tls, email, directory);
  }

  private static String oneOf(
      ObjectNode t, String key, String at, List<String> accepted, TomlChecks c) {
    String value = c.string(t, key, at, key + " = \"" + accepted.get(0) + "\"");
    if (value != null && !accepted.contains(value)) {
      c.add(
          path(at, key),
          quote(value),
          "unknown "
              + key
              + " "
              + quote(value)
              + " (accepted: "
              + String.join(", ", accepted)
              + ")");
      return null;
    }
    return value;
  }

  private static void vars(
      ObjectNode root,
      TomlChecks c,
      Set<String> envNames,
      Map<String, String> base,
      Map<String, Map<String, String>> byEnv) {
    ObjectNode t = c.table(root, "vars", "", "[vars] GREETING = \"hi\"");
    if (t == null) {
      return;
    }
    Set<String> acceptedEnvs = new LinkedHashSet<>(envNames);
    acceptedEnvs.add(DEVELOPMENT);
    for (Map.Entry<String, JsonNode> entry : TomlChecks.entries(t)) {
      String key = entry.getKey();
      JsonNode value = entry.getValue();
      if (value.isObject()) {
        String at = path("vars", key);
        if (!acceptedEnvs.contains(key)) {
          c.add(
              at,
              quote(key),
              "unknown environment "
                  + quote(key)
                  + " (accepted: "
                  + String.join(", ", acceptedEnvs)
                  + "; a table under [vars] overrides vars for one environment)");
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> inner : TomlChecks.entries((ObjectNode) value)) {
          String v = var(at, inner.getKey(), inner.getValue(), c);
          if (v != null) {
            overrides.put(inner.getKey(), v);
          }
        }
        byEnv.put(key, overrides);
      } else {
        String v = var("vars", key, value, c);
        if (v != null) {
          base.put(key, v);
        }
      }
    }
  }

  private static String var(String at, String key, JsonNode value, TomlChecks c) {
    String keyPath = path(at, key);
    boolean ok = true;
    if (!VAR_NAME.matcher(key).matches()) {
      c.add(
          keyPath,
          quote(key),
          "variable name "
              + quote(key)
              + " is not accepted (letters, digits and '_', not starting with a digit)");
      ok = false;
    } else if (RESERVED_VARS.contains(key) || key.startsWith("TAKO_")) {
      c.add(
          keyPath,
          quote(key),
          "variable "
              + quote(key)
              + " is set by tako for every instance (reserved: PORT, HOST, TAKO_*); choose another"
              + " name");
      ok = false;
    }
    String text = TomlChecks.isScalar(value) ? TomlChecks.scalarText(value) : null;
    if (text == null) {
      c.add(
          keyPath,
          show(value),
          "expected a string, number or boolean, got "
              + TomlChecks.describe(value)
              + " (example: "
              + key
              + " = \"value\")");
      return null;
    }
    return ok ? text : null;
  }
}
