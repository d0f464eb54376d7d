package dev.tako.node.dev;

import dev.tako.protocol.RoutePattern;
import dev.tako.protocol.config.AppConfig;
import dev.tako.protocol.config.AppConfigLoader;
import dev.tako.protocol.config.EnvConfig;
import dev.tako.supervisor.ReleaseSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code tako dev} runs for one version of tako.toml and the development secrets: the command,
 * its environment, the health path and the routes. Pure: built from values, no I/O.
 *
 * <ul>
 *   <li>Command: {@code dev = [...]} of tako.toml, else the runtime's start command (SPEC §3), run
 *       in the app directory itself (nothing is packed).
 *   <li>Environment, later entries winning: the user's own environment (a dev server needs the
 *       shell's {@code PATH}, {@code JAVA_HOME}, {@code TERM}…; {@code PORT}, {@code HOST} and
 *       {@code TAKO_*} from the shell are dropped), then {@code [vars]} overlaid by {@code
 *       [vars.development]}, then the development secrets, then the contract of SPEC §4: {@code
 *       TAKO_APP}, {@code TAKO_ENV=development}, {@code TAKO_SERVER=localhost}, {@code
 *       TAKO_REGION=local}, {@code TAKO_DATA_DIR}. The supervisor adds {@code PORT}, {@code
 *       HOST=127.0.0.1} and {@code TAKO_INSTANCE}; {@link #spec} adds {@code TAKO_RELEASE}.
 *   <li>Routes: those of {@code [envs.development]} when it names any, else {@code
 *       <name>.localhost}.
 * </ul>
 *
 * <p>Two plans that differ only in their routes run the same process: {@link #sameProcess} says
 * whether a change of tako.toml needs a restart or only new routes.
 *
 * @param environment without PORT, HOST, TAKO_INSTANCE and TAKO_RELEASE
 */
public record DevPlan(
    String app,
    List<String> command,
    Map<String, String> environment,
    String health,
    List<String> routes) {

  /** The environment name of {@code tako dev}. */
  public static final String ENV = AppConfigLoader.DEVELOPMENT;

  public static final String SERVER = "localhost";
  public static final String REGION = "local";

  public DevPlan {
    command = List.copyOf(command);
    environment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    routes = List.copyOf(routes);
  }

  /**
   * @param secrets the decrypted development secrets
   * @param inherited the user's environment ({@code System.getenv()})
   * @param dataDir the app's {@code TAKO_DATA_DIR}
   */
  public static DevPlan of(
      AppConfig config, Map<String, String> secrets, Map<String, String> inherited, Path dataDir) {
    Map<String, String> env = new LinkedHashMap<>();
    inherited.forEach(
        (k, v) -> {
          if (!k.equals("PORT") && !k.equals("HOST") && !k.startsWith("TAKO_")) {
            env.put(k, v);
          }
        });
    env.putAll(config.varsFor(ENV));
    env.putAll(secrets);
    env.put("TAKO_APP", config.name());
    env.put("TAKO_ENV", ENV);
    env.put("TAKO_SERVER", SERVER);
    env.put("TAKO_REGION", REGION);
    env.put("TAKO_DATA_DIR", dataDir.toString());
    List<String> command = config.dev().isEmpty() ? config.startCommand() : config.dev();
    return new DevPlan(config.name(), command, env, config.health(), routes(config));
  }

  /** {@code [envs.development].routes} when given, else {@code <name>.localhost}. */
  public static List<String> routes(AppConfig config) {
    EnvConfig dev = config.envs().get(ENV);
    if (dev != null && !dev.routes().isEmpty()) {
      return dev.routes();
    }
    return List.of(config.name() + ".localhost");
  }

  /** Whether {@code other} runs the same process (same app, command, environment, health). */
  public boolean sameProcess(DevPlan other) {
    return app.equals(other.app)
        && command.equals(other.command)
        && environment.equals(other.environment)
        && health.equals(other.health);
  }

  /**
   * The supervisor's spec for one generation of the app: the app directory as the release
   * directory, {@code release} as {@code TAKO_RELEASE}.
   */
  public ReleaseSpec spec(String release, Path appDir, Path logsDir, Path runDir) {
    Map<String, String> env = new LinkedHashMap<>(environment);
    env.put("TAKO_RELEASE", release);
    return new ReleaseSpec(app, ENV, release, appDir, command, env, health, logsDir, runDir);
  }

  /** The URLs a visitor opens, one per route, for the HTTPS port. */
  public List<String> urls(int httpsPort) {
    return routes.stream()
        .map(
            r -> {
              RoutePattern p = RoutePattern.parse(r);
              String host = (p.wildcard() ? "*." : "") + p.host();
              String port = httpsPort == 443 ? "" : ":" + httpsPort;
              return "https://" + host + port + p.pathPrefix() + "/";
            })
        .toList();
  }

  /**
   * Route hosts that do not resolve to this machine by themselves (not localhost or *.localhost).
   */
  public List<String> hostsNeedingResolution() {
    return routes.stream()
        .map(RoutePattern::parse)
        .map(RoutePattern::host)
        .filter(h -> !h.equals("localhost") && !h.endsWith(".localhost"))
        .distinct()
        .toList();
  }
}
