package dev.tako.node.status;

import dev.tako.node.AppEnv;
import dev.tako.node.NodeSettings;
import dev.tako.node.converge.ConvergenceView;
import dev.tako.persistence.EnvHead;
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
 * supervisor did not answer is listed without instances. Each app carries the environment's head
 * this server knows and whether it is catching up to it (see {@code dev.tako.node.converge}).
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
    return build(settings, state, supervisors, now, ConvergenceView.NONE);
  }

  /**
   * @param converging the heads known here (else the ledger's) and the app/envs catching up, shown
   *     as the server entry's {@code state} {@value StatusView.ServerAppView#CATCHING_UP}
   */
  public static ServerStatus build(
      NodeSettings settings,
      NodeLedger.State state,
      Map<AppEnv, AppSupervisor.AppStatus> supervisors,
      Instant now,
      ConvergenceView converging) {
    List<ServerStatus.AppOnServer> apps = new ArrayList<>();
    if (state != null) {
      for (NodeLedger.AppState app : state.apps().values()) {
        var current = app.currentRelease();
        if (current.isEmpty()) {
          continue;
        }
        AppSupervisor.AppStatus st = supervisors.get(new AppEnv(app.app(), app.env()));
        String key = NodeLedger.State.key(app.app(), app.env());
        EnvHead head = EnvHead.max(converging.heads().get(key), state.head(app.app(), app.env()));
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
                    st == null ? List.of() : instances(st, now),
                    converging.catchingUp().contains(key)
                        ? StatusView.ServerAppView.CATCHING_UP
                        : null),
                head));
      }
    }
    return new ServerStatus(
        settings.server(),
        settings.region(),
        apps,
        Runtimes.current(),
        dev.tako.node.footprint.NodeFootprint.measure());
  }

  private static List<StatusView.InstanceView> instances(AppSupervisor.AppStatus st, Instant now) {
    return st.instances().stream().map(i -> i.toView(now)).toList();
  }
}
