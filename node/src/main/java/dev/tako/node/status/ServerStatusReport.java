package dev.tako.node.status;

import dev.tako.node.AppEnv;
import dev.tako.node.NodeSettings;
import dev.tako.persistence.NodeLedger;
import dev.tako.protocol.api.StatusView;
import dev.tako.supervisor.AppSupervisor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Assembles a server's {@link ServerStatus} from its ledger (which apps have a current release,
 * their routes and desired scale) and its supervisors' answers (the instances). An app whose
 * supervisor did not answer is listed without instances.
 */
public final class ServerStatusReport {
  private ServerStatusReport() {}

  /**
   * @param supervisors the supervisors' answers by app/env; missing or null: no answer
   */
  public static ServerStatus build(
      NodeSettings settings,
      NodeLedger.State state,
      Map<AppEnv, AppSupervisor.AppStatus> supervisors,
      Instant now) {
    List<ServerStatus.AppOnServer> apps = new ArrayList<>();
    if (state != null) {
      for (NodeLedger.AppState app : state.apps().values()) {
        var current = app.currentRelease();
        if (current.isEmpty()) {
          continue;
        }
        AppSupervisor.AppStatus st = supervisors.get(new AppEnv(app.app(), app.env()));
        apps.add(
            new ServerStatus.AppOnServer(
                app.app(),
                app.env(),
                current.get().request().routes(),
                new StatusView.ServerAppView(
                    settings.server(),
                    settings.region(),
                    app.current(),
                    app.effectiveDesired(),
                    settings.url(current.get().request().tls()),
                    false,
                    st == null ? List.of() : instances(st, now))));
      }
    }
    return new ServerStatus(settings.server(), settings.region(), apps, Runtimes.current());
  }

  private static List<StatusView.InstanceView> instances(AppSupervisor.AppStatus st, Instant now) {
    return st.instances().stream().map(i -> i.toView(now)).toList();
  }
}
