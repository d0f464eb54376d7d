package dev.tako.protocol.config;

import java.util.List;

/**
 * One {@code [envs.NAME]} table of tako.toml: where the environment is served and how it is rolled
 * out. Null strategy, tls and acme directory take the SPEC defaults; {@link AppConfigLoader}
 * validates the values.
 *
 * @param routes routes as written (see {@link dev.tako.protocol.RoutePattern})
 * @param servers inventory server names, also the order of a rolling deploy
 * @param strategy "atomic" (default) or "rolling"
 * @param tls "off" (default), "self-signed" or "acme"
 * @param acmeEmail contact e-mail, required with tls = "acme", else may be null
 * @param acmeDirectory ACME directory URL, Let's Encrypt production by default
 */
public record EnvConfig(
    List<String> routes,
    List<String> servers,
    String strategy,
    String tls,
    String acmeEmail,
    String acmeDirectory) {
  public static final List<String> STRATEGIES = List.of("atomic", "rolling");
  public static final List<String> TLS_MODES = List.of("off", "self-signed", "acme");
  public static final String DEFAULT_ACME_DIRECTORY =
      "https://acme-v02.api.letsencrypt.org/directory";

  public EnvConfig {
    routes = routes == null ? List.of() : List.copyOf(routes);
    servers = servers == null ? List.of() : List.copyOf(servers);
    strategy = strategy == null ? "atomic" : strategy;
    tls = tls == null ? "off" : tls;
    acmeDirectory = acmeDirectory == null ? DEFAULT_ACME_DIRECTORY : acmeDirectory;
  }
}
