package dev.tako.cli;

import java.nio.file.Path;

/**
 * Where the CLI keeps its state: {@code $TAKO_HOME} (default {@code ~/.tako}) with the server
 * inventory, known hosts, the cluster CA, secrets keys and the playground.
 */
public record TakoHome(Path dir) {
  /**
   * The system property {@code tako.home} (lets tests and embedders point the CLI elsewhere without
   * environment variables), else {@code TAKO_HOME}, else {@code ~/.tako}.
   */
  public static TakoHome fromEnvironment() {
    String prop = System.getProperty("tako.home");
    String env = System.getenv("TAKO_HOME");
    Path dir =
        prop != null && !prop.isBlank()
            ? Path.of(prop)
            : env != null && !env.isBlank()
                ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".tako");
    return new TakoHome(dir.toAbsolutePath().normalize());
  }

  public Path inventory() {
    return dir.resolve("config.toml");
  }

  public Path knownHosts() {
    return dir.resolve("known_hosts");
  }

  public Path clusterCa() {
    return dir.resolve("cluster-ca");
  }

  public Path playground() {
    return dir.resolve("playground");
  }

  public Path keys() {
    return dir.resolve("keys");
  }
}
