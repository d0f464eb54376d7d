package dev.tako.cli.ssh;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where and as whom to connect: one server of the inventory (or a playground node), already
 * resolved through {@code ~/.ssh/config}.
 *
 * @param name the server's inventory name, used in messages ("cannot reach la (…)")
 * @param host the host name or address to connect to
 * @param port the SSH port
 * @param user the remote user
 * @param identity the private key to authenticate with, or {@code null} for the default keys
 * @param knownHostsFiles every known_hosts file a host key may be found in (missing files are fine)
 * @param recordNewKeysTo the known_hosts file that {@link HostKeyPolicy#ACCEPT_NEW} appends to
 */
public record SshTarget(
    String name,
    String host,
    int port,
    String user,
    Path identity,
    List<Path> knownHostsFiles,
    Path recordNewKeysTo) {

  public SshTarget {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(recordNewKeysTo, "recordNewKeysTo");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("SSH port must be 1-65535, got " + port);
    }
    knownHostsFiles = List.copyOf(knownHostsFiles);
  }

  /** {@code host:port}, as messages show it. */
  public String address() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
