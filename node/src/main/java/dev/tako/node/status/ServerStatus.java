package dev.tako.node.status;

import dev.tako.protocol.CborSerializable;
import dev.tako.protocol.api.StatusView;
import java.util.List;

/** One server's apps: its answer to {@link dev.tako.node.NodeAgent.GetStatus}. */
public record ServerStatus(String server, String region, List<ServerStatus.AppOnServer> apps)
    implements CborSerializable {
  public ServerStatus {
    apps = List.copyOf(apps);
  }

  /** One app/env with a current release on the server. */
  public record AppOnServer(
      String app, String env, List<String> routes, StatusView.ServerAppView view)
      implements CborSerializable {
    public AppOnServer {
      routes = List.copyOf(routes);
    }
  }
}
