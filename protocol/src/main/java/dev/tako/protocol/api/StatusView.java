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
   * @param node what the member's node process costs (memory, threads, CPU) as of its last answer;
   *     null (left out) when unknown
   */
  public record Member(
      String server,
      String region,
      String address,
      String status,
      String version,
      @JsonInclude(JsonInclude.Include.NON_NULL) java.util.Map<String, String> runtimes,
      @JsonInclude(JsonInclude.Include.NON_NULL) NodeFigures node)
      implements CborSerializable {
    public Member(String server, String region, String address, String status, String version) {
      this(server, region, address, status, version, null, null);
    }

    public Member(
        String server,
        String region,
        String address,
        String status,
        String version,
        java.util.Map<String, String> runtimes) {
      this(server, region, address, status, version, runtimes, null);
    }

    public Member withRuntimes(java.util.Map<String, String> runtimes) {
      return new Member(server, region, address, status, version, runtimes, node);
    }

    public Member withNode(NodeFigures node) {
      return new Member(server, region, address, status, version, runtimes, node);
    }
  }

  /**
   * What a node process costs, measured when it answered: resident memory, heap in use, its threads
   * (the JVM's own ones too) and the CPU time it used since it started.
   *
   * @param rssBytes resident set size ({@code VmRSS}), -1 when unknown
   * @param heapUsedBytes Java heap in use
   * @param threads the process's threads ({@code Threads} of {@code /proc/self/status})
   * @param cpuSeconds user plus system CPU time since the process started
   */
  public record NodeFigures(long rssBytes, long heapUsedBytes, int threads, double cpuSeconds)
      implements CborSerializable {}

  /**
   * One app/env across its servers.
   *
   * @param current the environment's current release cluster-wide and which decision made it (the
   *     one every server converges to; after a partition, the one that won), or null when unknown
   */
  public record AppView(
      String app,
      String env,
      List<String> routes,
      List<ServerAppView> servers,
      @JsonInclude(JsonInclude.Include.NON_NULL) Current current)
      implements CborSerializable {
    public AppView {
      routes = List.copyOf(routes);
      servers = List.copyOf(servers);
    }

    public AppView(String app, String env, List<String> routes, List<ServerAppView> servers) {
      this(app, env, routes, servers, null);
    }
  }

  /**
   * The environment's current release (its head) and the decision that made it current.
   *
   * @param kind deploy | rollback | secrets
   * @param generation higher wins; at equal generation the later {@code decidedAt}
   * @param decidedBy the server that coordinated the decision
   * @param decidedAt ISO-8601 instant, by that server's clock
   */
  public record Current(
      String release, long generation, String kind, String decidedBy, String decidedAt)
      implements CborSerializable {}

  /**
   * One app on one server.
   *
   * @param stale true when the server is unreachable and this is its last known state
   * @param state {@value #CATCHING_UP} while the server does not yet serve the environment's
   *     current release and is fetching, starting or switching to it; null otherwise
   */
  public record ServerAppView(
      String server,
      String region,
      String release,
      int desired,
      String url,
      @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean stale,
      List<InstanceView> instances,
      @JsonInclude(JsonInclude.Include.NON_NULL) String state)
      implements CborSerializable {
    public static final String CATCHING_UP = "catching-up";

    public ServerAppView {
      instances = List.copyOf(instances);
    }

    public ServerAppView(
        String server,
        String region,
        String release,
        int desired,
        String url,
        boolean stale,
        List<InstanceView> instances) {
      this(server, region, release, desired, url, stale, instances, null);
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
