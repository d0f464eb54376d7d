package dev.tako.protocol.api;

import dev.tako.protocol.CborSerializable;
import dev.tako.protocol.config.ChannelsConfig;
import java.util.List;
import java.util.Map;

/**
 * What the CLI asks one node to roll out across the environment's servers. The artifact was already
 * uploaded over SFTP to every target as {@code <home>/artifacts/<artifactSha256>.tar.gz}. Secrets
 * are not part of this record (they travel encrypted, see the secrets issue).
 *
 * @param release the release id (SPEC §3)
 * @param start the resolved start command, relative to the release directory
 * @param idleTimeout a duration such as "5m"
 * @param releaseCommand optional shell command line run once before the switch, or null
 * @param servers the target servers, in rollout order
 * @param strategy "atomic" or "rolling"
 * @param canary a server to roll first, or null
 * @param tls "off", "self-signed" or "acme" (null: off)
 * @param acmeEmail the ACME account's contact e-mail with tls = "acme", else null
 * @param acmeDirectory the ACME directory URL with tls = "acme", else null
 * @param by who deployed, "user@host"
 * @param created ISO-8601 instant
 * @param channels the app's {@code [channels]} (SPEC §13), or null when it has none
 */
public record DeployRequest(
    String app,
    String env,
    String release,
    String artifactSha256,
    List<String> start,
    String health,
    int instances,
    String idleTimeout,
    String releaseCommand,
    Map<String, String> vars,
    List<String> routes,
    List<String> servers,
    String strategy,
    String canary,
    String tls,
    String acmeEmail,
    String acmeDirectory,
    String by,
    String created,
    ChannelsConfig channels)
    implements CborSerializable {
  public DeployRequest {
    start = List.copyOf(start);
    vars = Map.copyOf(vars);
    routes = List.copyOf(routes);
    servers = List.copyOf(servers);
  }

  /** Without {@code [channels]}. */
  public DeployRequest(
      String app,
      String env,
      String release,
      String artifactSha256,
      List<String> start,
      String health,
      int instances,
      String idleTimeout,
      String releaseCommand,
      Map<String, String> vars,
      List<String> routes,
      List<String> servers,
      String strategy,
      String canary,
      String tls,
      String acmeEmail,
      String acmeDirectory,
      String by,
      String created) {
    this(
        app,
        env,
        release,
        artifactSha256,
        start,
        health,
        instances,
        idleTimeout,
        releaseCommand,
        vars,
        routes,
        servers,
        strategy,
        canary,
        tls,
        acmeEmail,
        acmeDirectory,
        by,
        created,
        null);
  }

  /** This request rolled out to other servers, in this order. */
  public DeployRequest withServers(List<String> servers) {
    return copy(releaseCommand, servers, canary);
  }

  /** This request with another release command (null: none). */
  public DeployRequest withReleaseCommand(String releaseCommand) {
    return copy(releaseCommand, servers, canary);
  }

  /** This request with another canary (null: none). */
  public DeployRequest withCanary(String canary) {
    return copy(releaseCommand, servers, canary);
  }

  /** This request with the app's {@code [channels]} (null: none). */
  public DeployRequest withChannels(ChannelsConfig channels) {
    return copy(releaseCommand, servers, canary, channels);
  }

  private DeployRequest copy(String releaseCommand, List<String> servers, String canary) {
    return copy(releaseCommand, servers, canary, channels);
  }

  private DeployRequest copy(
      String releaseCommand, List<String> servers, String canary, ChannelsConfig channels) {
    return new DeployRequest(
        app,
        env,
        release,
        artifactSha256,
        start,
        health,
        instances,
        idleTimeout,
        releaseCommand,
        vars,
        routes,
        servers,
        strategy,
        canary,
        tls,
        acmeEmail,
        acmeDirectory,
        by,
        created,
        channels);
  }
}
