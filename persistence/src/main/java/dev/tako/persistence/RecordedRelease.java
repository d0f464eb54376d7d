package dev.tako.persistence;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tako.protocol.CborSerializable;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.config.ChannelsConfig;
import java.util.List;
import java.util.Map;

/**
 * A deploy as the journal keeps it: everything the node reads back from a recorded release (process
 * contract, routes, TLS, the servers it went to and how, who and when). It is the journal's own
 * type so that {@link DeployRequest}, a wire DTO, can change without a journal migration; {@link
 * #of} and {@link #toRequest} convert at the ledger's boundary.
 *
 * <p>The property names are the journal's, pinned by {@code JsonProperty} and equal to those the
 * previous layout wrote (the fields of the {@code DeployRequest} it stored); never rename one.
 * Unknown properties (written by a newer node) are ignored, and a list or map missing from an older
 * event reads as empty, so a field can be added without a migration.
 *
 * @param release the release id
 * @param artifactSha256 the artifact, {@code <home>/artifacts/<sha256>.tar.gz}
 * @param start the start command, relative to the release directory
 * @param idleTimeout a duration such as "5m"
 * @param releaseCommand the command run once before the switch, or null
 * @param servers the servers of the deploy, in rollout order
 * @param strategy "atomic" or "rolling"
 * @param canary the server rolled first, or null
 * @param tls "off", "self-signed" or "acme" (null: off)
 * @param acmeEmail the ACME account's e-mail with tls "acme", else null
 * @param acmeDirectory the ACME directory URL with tls "acme", else null
 * @param by who deployed, "user@host"
 * @param created ISO-8601 instant of the deploy
 * @param channels the app's {@code [channels]} (SPEC §13), or null (none, or an older event)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RecordedRelease(
    @JsonProperty("app") String app,
    @JsonProperty("env") String env,
    @JsonProperty("release") String release,
    @JsonProperty("artifactSha256") String artifactSha256,
    @JsonProperty("start") List<String> start,
    @JsonProperty("health") String health,
    @JsonProperty("instances") int instances,
    @JsonProperty("idleTimeout") String idleTimeout,
    @JsonProperty("releaseCommand") String releaseCommand,
    @JsonProperty("vars") Map<String, String> vars,
    @JsonProperty("routes") List<String> routes,
    @JsonProperty("servers") List<String> servers,
    @JsonProperty("strategy") String strategy,
    @JsonProperty("canary") String canary,
    @JsonProperty("tls") String tls,
    @JsonProperty("acmeEmail") String acmeEmail,
    @JsonProperty("acmeDirectory") String acmeDirectory,
    @JsonProperty("by") String by,
    @JsonProperty("created") String created,
    @JsonProperty("channels") Channels channels)
    implements CborSerializable {

  /** The journal's copy of {@code [channels]}; property names pinned like the release's. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Channels(
      @JsonProperty("public") List<String> publicPatterns,
      @JsonProperty("authorize") String authorize,
      @JsonProperty("retention") String retention,
      @JsonProperty("retentionMessages") int retentionMessages) {
    static Channels of(ChannelsConfig c) {
      return c == null
          ? null
          : new Channels(c.publicPatterns(), c.authorize(), c.retention(), c.retentionMessages());
    }

    ChannelsConfig toConfig() {
      return new ChannelsConfig(publicPatterns, authorize, retention, retentionMessages);
    }
  }

  public RecordedRelease {
    start = start == null ? List.of() : List.copyOf(start);
    vars = vars == null ? Map.of() : Map.copyOf(vars);
    routes = routes == null ? List.of() : List.copyOf(routes);
    servers = servers == null ? List.of() : List.copyOf(servers);
  }

  /** The journal's copy of a deploy request. */
  public static RecordedRelease of(DeployRequest r) {
    return new RecordedRelease(
        r.app(),
        r.env(),
        r.release(),
        r.artifactSha256(),
        r.start(),
        r.health(),
        r.instances(),
        r.idleTimeout(),
        r.releaseCommand(),
        r.vars(),
        r.routes(),
        r.servers(),
        r.strategy(),
        r.canary(),
        r.tls(),
        r.acmeEmail(),
        r.acmeDirectory(),
        r.by(),
        r.created(),
        Channels.of(r.channels()));
  }

  /** The deploy request this was recorded from, as the node's steps take it. */
  public DeployRequest toRequest() {
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
        channels == null ? null : channels.toConfig());
  }
}
