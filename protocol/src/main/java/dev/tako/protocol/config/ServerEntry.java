package dev.tako.protocol.config;

/**
 * One {@code [servers.NAME]} entry of the server inventory (SPEC §3). Null user, region and home
 * take the defaults ("root", the server's name, "/opt/tako"); {@link Inventory#load} validates.
 *
 * @param port SSH port
 * @param home the node's home directory on the server
 * @param apiPort the management API port on the server's loopback
 * @param identity SSH private key file, or null for the default keys
 */
public record ServerEntry(
    String name,
    String host,
    int port,
    String user,
    String region,
    String home,
    int apiPort,
    int httpPort,
    int httpsPort,
    String identity) {
  public static final int DEFAULT_SSH_PORT = 22;
  public static final String DEFAULT_USER = "root";
  public static final String DEFAULT_HOME = "/opt/tako";
  public static final int DEFAULT_API_PORT = 9844;
  public static final int DEFAULT_HTTP_PORT = 80;
  public static final int DEFAULT_HTTPS_PORT = 443;

  public ServerEntry {
    user = user == null ? DEFAULT_USER : user;
    region = region == null ? name : region;
    home = home == null ? DEFAULT_HOME : home;
  }

  /** A server with every default: port 22, user root, region = name, home /opt/tako. */
  public static ServerEntry of(String name, String host) {
    return new ServerEntry(
        name,
        host,
        DEFAULT_SSH_PORT,
        null,
        null,
        null,
        DEFAULT_API_PORT,
        DEFAULT_HTTP_PORT,
        DEFAULT_HTTPS_PORT,
        null);
  }
}
