package dev.tako.node;

import dev.tako.node.deploy.ProcessEnvironment;
import dev.tako.node.status.ServerStatus;
import dev.tako.node.status.ServerStatusReport;
import dev.tako.persistence.NodeLedger;
import dev.tako.supervisor.AppSupervisor;
import dev.tako.supervisor.AppSupervisor.EndpointsChanged;
import dev.tako.supervisor.InFlight;
import dev.tako.supervisor.SupervisorSettings;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The NodeAgent's children that run the apps: one {@link AppSupervisor} per app/env, spawned on
 * first use. Questions to all of them (status, stop) go through a {@link Gather} child, so the
 * agent never waits; a supervisor that does not answer in time counts as no answer. Used on the
 * agent's thread only.
 */
public final class AppSupervisors {
  private final ActorContext<NodeAgent.Command> ctx;
  private final NodeSettings settings;
  private final SupervisorSettings supervisorSettings;
  private final ActorRef<EndpointsChanged> endpoints;
  private final InFlight inFlight;
  private final Map<AppEnv, ActorRef<AppSupervisor.Command>> supervisors = new HashMap<>();

  AppSupervisors(
      ActorContext<NodeAgent.Command> ctx,
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      ActorRef<EndpointsChanged> endpoints,
      InFlight inFlight) {
    this.ctx = ctx;
    this.settings = settings;
    this.supervisorSettings = supervisorSettings;
    this.endpoints = endpoints;
    this.inFlight = inFlight;
  }

  /** The app's supervisor, spawned if it has none yet. */
  public ActorRef<AppSupervisor.Command> of(AppEnv app) {
    return supervisors.computeIfAbsent(
        app,
        k ->
            ctx.spawn(
                AppSupervisor.create(app.app(), app.env(), supervisorSettings, endpoints, inFlight),
                childName(app)));
  }

  /**
   * The supervisor's name; a deleted app's supervisor may still be finishing under the plain one.
   */
  private String childName(AppEnv app) {
    String name = "app-" + app.app() + "-" + app.env();
    String free = name;
    for (int n = 2; ctx.getChild(free).isPresent(); n++) {
      free = name + "-" + n;
    }
    return free;
  }

  /**
   * The app is being deleted here: its supervisor drains and stops every instance and is forgotten;
   * {@code then} runs on the agent's thread once the processes are gone (or the drain and grace
   * times are over). Runs {@code then} at once when the app has no supervisor.
   */
  public void retire(AppEnv app, Runnable then) {
    ActorRef<AppSupervisor.Command> sup = supervisors.remove(app);
    if (sup == null) {
      then.run();
      return;
    }
    ctx.ask(
        Done.class,
        sup,
        supervisorSettings.drainTimeout().plus(supervisorSettings.termGrace()).plusSeconds(5),
        AppSupervisor.Retire::new,
        (done, failure) -> {
          if (failure != null) {
            ctx.getLog().warn("{}: stopping its instances took too long: {}", app, failure);
          }
          return new NodeAgent.Continue(then);
        });
  }

  /** The app's supervisor, or null when it has none. */
  public ActorRef<AppSupervisor.Command> get(AppEnv app) {
    return supervisors.get(app);
  }

  /** After a (re)start: every app with a current release runs again at its desired scale. */
  void restore(NodeLedger.State state, ProcessEnvironment processes) {
    for (NodeLedger.AppState app : state.apps().values()) {
      app.currentRelease()
          .ifPresent(
              rec -> {
                ctx.getLog()
                    .info(
                        "restoring {}/{} release {} with {} instance(s)",
                        app.app(),
                        app.env(),
                        rec.id(),
                        app.effectiveDesired());
                of(new AppEnv(app.app(), app.env()))
                    .tell(
                        new AppSupervisor.Restore(
                            processes.spec(rec.request(), state), app.effectiveDesired()));
              });
    }
  }

  /** A request arrived for an app scaled to zero; unknown apps are ignored. */
  void wakeUp(AppEnv app) {
    ActorRef<AppSupervisor.Command> sup = supervisors.get(app);
    if (sup != null) {
      sup.tell(AppSupervisor.WakeUp.INSTANCE);
    }
  }

  /** This server's apps: the ledger's current releases with their supervisors' instances. */
  void status(
      NodeLedger.State state,
      dev.tako.node.converge.ConvergenceView converging,
      ActorRef<ServerStatus> replyTo) {
    ctx.spawnAnonymous(
        Gather.create(
            Map.copyOf(supervisors),
            AppSupervisor.AppStatus.class,
            AppSupervisor.GetStatus::new,
            settings.askTimeout(),
            answers ->
                replyTo.tell(
                    ServerStatusReport.build(
                        settings, state, answers, Instant.now(), converging))));
  }

  /** Every supervisor stops its instances; answers when all did (or their time is up). */
  void stopAll(ActorRef<Done> replyTo) {
    ctx.spawnAnonymous(
        Gather.create(
            Map.copyOf(supervisors),
            Done.class,
            AppSupervisor.StopAll::new,
            supervisorSettings.termGrace().plusSeconds(2),
            answers -> replyTo.tell(Done.getInstance())));
  }
}
