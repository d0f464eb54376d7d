package dev.tako.node.cluster;

import dev.tako.node.NodeConfig;
import dev.tako.node.NodeSettings;
import dev.tako.node.api.ApiDirectives;
import dev.tako.protocol.Version;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Leave;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code tako servers}: {@code GET /v1/ping} (this node, its version, whether it is up), {@code GET
 * /v1/cluster} (the members) and {@code POST /v1/leave} (a member leaves the cluster, for {@code
 * tako servers rm}).
 */
public final class ClusterRoutes extends ApiDirectives {
  /**
   * Asks a member (by server name) to leave the cluster: a graceful Leave (it hands over, stops its
   * apps and exits once removed); with {@code down}, or when it is unreachable, it is downed
   * instead, as a member that cannot take part in its own leaving would stay forever.
   */
  public record LeaveRequest(String server, Boolean down) {}

  private final ActorSystem<?> system;
  private final NodeSettings settings;
  private final ClusterView view;

  public ClusterRoutes(ActorSystem<?> system, NodeSettings settings, ClusterView view) {
    this.system = system;
    this.settings = settings;
    this.view = view;
  }

  public Route route() {
    return concat(
        path("ping", () -> get(() -> json(StatusCodes.OK, ping()))),
        path(
            "cluster",
            () ->
                get(
                    () ->
                        json(
                            StatusCodes.OK,
                            Map.of("self", settings.server(), "members", view.members())))),
        path(
            "leave",
            () ->
                post(
                    () ->
                        body(
                            LeaveRequest.class,
                            req -> {
                              leave(req.server(), Boolean.TRUE.equals(req.down()));
                              return json(StatusCodes.OK, Map.of("ok", true));
                            }))));
  }

  private Map<String, Object> ping() {
    return Map.of(
        "server",
        settings.server(),
        "region",
        settings.region(),
        "version",
        Version.VALUE,
        "up",
        Cluster.get(system).selfMember().status() == MemberStatus.up(),
        "pid",
        ProcessHandle.current().pid());
  }

  private void leave(String server, boolean down) {
    Cluster cluster = Cluster.get(system);
    var unreachable = cluster.state().getUnreachable();
    for (var m : cluster.state().getMembers()) {
      if (server != null && server.equals(NodeConfig.serverOf(m.getRoles()))) {
        cluster.manager().tell(Leave.create(m.address()));
        if (down || unreachable.contains(m)) {
          cluster.manager().tell(new Down(m.address()));
        }
      }
    }
  }
}
