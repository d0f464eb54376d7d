package dev.tako.node.status;

import dev.tako.persistence.EnvHead;
import dev.tako.protocol.CborSerializable;
import dev.tako.protocol.api.StatusView;
import java.util.List;
import java.util.Map;

/**
 * One server's apps: its answer to {@link dev.tako.node.NodeAgent.GetStatus}.
 *
 * @param runtimes the server's JavaScript runtimes ({@link Runtimes}), null while unknown
 * @param node what the server's node process costs as it answered ({@link
 *     dev.tako.node.footprint.NodeFootprint}), null when not measured
 */
public record ServerStatus(
    String server,
    String region,
    List<ServerStatus.AppOnServer> apps,
    Map<String, String> runtimes,
    StatusView.NodeFigures node)
    implements CborSerializable {
  public ServerStatus {
    apps = List.copyOf(apps);
    runtimes = runtimes == null ? null : Map.copyOf(runtimes);
  }

  public ServerStatus(String server, String region, List<AppOnServer> apps) {
    this(server, region, apps, null, null);
  }

  public ServerStatus(
      String server, String region, List<AppOnServer> apps, Map<String, String> runtimes) {
    this(server, region, apps, runtimes, null);
  }

  /**
   * One app/env with a current release on the server.
   *
   * @param head the environment's head as this server knows it (null: none known)
   */
  public record AppOnServer(
      String app, String env, List<String> routes, StatusView.ServerAppView view, EnvHead head)
      implements CborSerializable {
    public AppOnServer {
      routes = List.copyOf(routes);
    }

    public AppOnServer(String app, String env, List<String> routes, StatusView.ServerAppView view) {
      this(app, env, routes, view, null);
    }
  }
}
