package dev.tako.cli;

import dev.tako.protocol.config.AppConfig;
import dev.tako.protocol.config.AppConfigLoader;
import dev.tako.protocol.config.ConfigError;
import dev.tako.protocol.config.ConfigException;
import dev.tako.protocol.config.EnvConfig;
import dev.tako.protocol.config.Inventory;
import dev.tako.protocol.config.ServerEntry;
import java.nio.file.Path;
import java.util.List;

/**
 * What every app command needs: the validated tako.toml, the chosen environment and its servers
 * from the inventory. Any problem is a usage error (exit 2) naming the file and key.
 */
public record AppContext(
    TakoHome home, AppConfig config, String envName, EnvConfig env, List<ServerEntry> servers) {

  public static AppContext load(Path configFile, String envName) {
    TakoHome home = TakoHome.fromEnvironment();
    AppConfig cfg = Deployer.loadConfig(configFile);
    EnvConfig env;
    try {
      env = cfg.env(envName);
    } catch (ConfigException e) {
      throw CliException.usage(Servers.stripError(e.getMessage()));
    }
    Inventory inventory = Servers.load(home);
    List<ConfigError> unknown =
        AppConfigLoader.checkServers(cfg, envName, inventory.servers().keySet());
    if (!unknown.isEmpty()) {
      throw CliException.usage(
          Servers.stripError(
              String.join("\n", unknown.stream().map(ConfigError::render).toList())));
    }
    return new AppContext(home, cfg, envName, env, Servers.entries(inventory, env.servers()));
  }

  /** A node of this environment that answers (the next one when the first does not). */
  public NodeClient connect(Output out) {
    return NodeClient.connectAny(servers, home, out);
  }
}
