package dev.tako.node.status;

import dev.tako.persistence.EnvHead;
import dev.tako.protocol.CborSerializable;
import dev.tako.protocol.api.StatusView;
import java.util.List;

/** One server's apps: its answer to {@link dev.tako.node.NodeAgent.GetStatus}. */
public record ServerStatus(String server, String region, List<ServerStatus.AppOnServer> apps)
    implements CborSerializable {
  public ServerStatus {
    apps = List.copyOf(apps);
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
