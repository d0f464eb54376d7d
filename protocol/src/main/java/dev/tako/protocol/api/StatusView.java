package dev.tako.protocol.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tako.protocol.CborSerializable;
import java.util.List;

/** {@code tako status --json} (SPEC §5): cluster members and every app on every server. */
public record StatusView(Cluster cluster, List<AppView> apps) implements CborSerializable {
  public StatusView {
    apps = List.copyOf(apps);
  }

  public record Cluster(List<Member> members) implements CborSerializable {
    public Cluster {
      members = List.copyOf(members);
    }
  }

  /**
   * @param status up | joining | leaving | unreachable | down
   * @param runtimes the JavaScript runtimes the server has and their versions ({@code {"node":
   *     "20.19.2"}}, SPEC §10); null (left out) when unknown: the member did not answer yet
   */
  public record Member(
      String server,
      String region,
      String address,
      String status,
      String version,
      @JsonInclude(JsonInclude.Include.NON_NULL) java.util.Map<String, String> runtimes)
      implements CborSerializable {
    public Member(String server, String region, String address, String status, String version) {
      this(server, region, address, status, version, null);
    }

    public Member withRuntimes(java.util.Map<String, String> runtimes) {
      return new Member(server, region, address, status, version, runtimes);
    }
  }

  public record AppView(String app, String env, List<String> routes, List<ServerAppView> servers)
      implements CborSerializable {
    public AppView {
      routes = List.copyOf(routes);
      servers = List.copyOf(servers);
    }
  }

  /**
   * One app on one server.
   *
   * @param stale true when the server is unreachable and this is its last known state
   */
  public record ServerAppView(
      String server,
      String region,
      String release,
      int desired,
      String url,
      @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean stale,
      List<InstanceView> instances)
      implements CborSerializable {
    public ServerAppView {
      instances = List.copyOf(instances);
    }
  }

  /**
   * One OS process of an app.
   *
   * @param state starting | ready | draining | stopped | failed
   */
  public record InstanceView(
      String id,
      Long pid,
      int port,
      String state,
      boolean healthy,
      int restarts,
      String release,
      long uptimeS,
      Integer exitCode,
      String reason,
      List<String> lastStderr)
      implements CborSerializable {
    public InstanceView {
      lastStderr = List.copyOf(lastStderr);
    }
  }
}
