package dev.tako.cli;

import java.nio.file.Path;

/**
 * Where the CLI keeps its state: {@code $TAKO_HOME} (default {@code ~/.tako}) with the server
 * inventory, known hosts, the cluster CA, secrets keys and the playground.
 */
public record TakoHome(Path dir) {
  public static TakoHome fromEnvironment() {
    String env = System.getenv("TAKO_HOME");
    Path dir =
        env != null && !env.isBlank()
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
