package dev.tako.protocol.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A validated tako.toml (SPEC §3), as {@link AppConfigLoader} builds it. Owns the derived values
 * every command needs: the start command per runtime and the vars of an environment. Null optional
 * fields take the SPEC defaults; maps keep the file's order. Asking for an environment that does
 * not exist fails with a {@link ConfigException} naming the ones that do.
 *
 * @param main entrypoint for the runtime, or null (runtime "command")
 * @param start explicit start command, empty when absent
 * @param release shell command line run once before the switch, or null
 * @param dev the command {@code tako dev} runs, empty when absent
 * @param vars base vars ({@code [vars]} scalars)
 * @param varsByEnv per-environment overrides ({@code [vars.ENV]} tables)
 * @param envs deploy environments in file order
 * @param file the file as the user named it; error messages show it as is
 * @param channels the {@code [channels]} table (SPEC §13), or null when the file has none
 */
public record AppConfig(
    String name,
    Runtime runtime,
    String main,
    List<String> start,
    String health,
    int instances,
    Duration idleTimeout,
    String release,
    List<String> dev,
    BuildConfig build,
    Map<String, String> vars,
    Map<String, Map<String, String>> varsByEnv,
    Map<String, EnvConfig> envs,
    Path file,
    ChannelsConfig channels) {

  public static final String DEFAULT_HEALTH = "/";
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);

  /** The runtimes of SPEC §3; {@link #tomlName()} is how tako.toml spells them. */
  public enum Runtime {
    NODE,
    BUN,
    GO,
    JAVA,
    COMMAND;

    public String tomlName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The runtime spelled {@code text} in tako.toml (exact, lower case), if any. */
    public static Optional<Runtime> fromToml(String text) {
      return Arrays.stream(values()).filter(r -> r.tomlName().equals(text)).findFirst();
    }

    /** "node, bun, go, java, command", for error messages. */
    public static String accepted() {
      return Arrays.stream(values()).map(Runtime::tomlName).collect(Collectors.joining(", "));
    }

    /** Whether the runtime derives its start command from {@code main}. */
    public boolean needsMain() {
      return this != COMMAND;
    }
  }

  public AppConfig {
    start = start == null ? List.of() : List.copyOf(start);
    health = health == null ? DEFAULT_HEALTH : health;
    idleTimeout = idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : idleTimeout;
    dev = dev == null ? List.of() : List.copyOf(dev);
    build = build == null ? BuildConfig.NONE : build;
    vars = ordered(vars);
    Map<String, Map<String, String>> byEnv = new LinkedHashMap<>();
    if (varsByEnv != null) {
      varsByEnv.forEach((env, values) -> byEnv.put(env, ordered(values)));
    }
    varsByEnv = Collections.unmodifiableMap(byEnv);
    envs = ordered(envs);
  }

  // Map.copyOf would lose the file's order, which users see in listings and rollout order.
  private static <V> Map<String, V> ordered(Map<String, V> map) {
    return map == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }

  /**
   * The process to exec, relative to the release directory: {@code start} if given, else the
   * runtime default of SPEC §3.
   *
   * @throws IllegalStateException for runtime "command" without start (the loader rejects that)
   */
  public List<String> startCommand() {
    if (!start.isEmpty()) {
      return start;
    }
    return switch (runtime) {
      case NODE -> List.of("node", main);
      case BUN -> List.of("bun", main);
      case JAVA -> main.endsWith(".java") ? List.of("java", main) : List.of("java", "-jar", main);
      // The binary [build] produced, inside the release directory; exec needs the ./ to find it.
      case GO -> List.of(main.startsWith("/") || main.startsWith("./") ? main : "./" + main);
      case COMMAND -> throw new IllegalStateException("runtime \"command\" needs start");
    };
  }

  /** Base vars overlaid by {@code [vars.<env>]}; the order is base order, then new keys. */
  public Map<String, String> varsFor(String env) {
    Map<String, String> out = new LinkedHashMap<>(vars);
    out.putAll(varsByEnv.getOrDefault(env, Map.of()));
    return Collections.unmodifiableMap(out);
  }

  /**
   * The environment called {@code name}.
   *
   * @throws ConfigException naming the environments that exist and how to add one
   */
  public EnvConfig env(String name) throws ConfigException {
    EnvConfig env = envs.get(name);
    if (env != null) {
      return env;
    }
    String known = envs.isEmpty() ? "none" : String.join(", ", envs.keySet());
    throw new ConfigException(
        new ConfigError(
            String.valueOf(file),
            null,
            "envs",
            "\"" + name + "\"",
            "no environment \""
                + name
                + "\" (environments: "
                + known
                + "; add one with an [envs."
                + name
                + "] table with routes and servers)"));
  }
}
