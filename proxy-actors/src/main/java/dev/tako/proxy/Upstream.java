package dev.tako.proxy;

/**
 * The address of one ready app instance, as the proxy connects to it (in practice a loopback port).
 *
 * @param host a host name or IP literal
 * @param port 1..65535
 */
public record Upstream(String host, int port) {
  public Upstream {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("an upstream needs a host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("an upstream port is 1..65535, not " + port);
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
