package dev.tako.node;

import dev.tako.node.deploy.ProcessEnvironment;
import dev.tako.node.status.ServerStatus;
import dev.tako.node.status.ServerStatusReport;
import dev.tako.persistence.NodeLedger;
import dev.tako.supervisor.AppSupervisor;
import dev.tako.supervisor.AppSupervisor.EndpointsChanged;
import dev.tako.supervisor.InFlight;
import dev.tako.supervisor.ReleaseSpec;
import dev.tako.supervisor.SupervisorSettings;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
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

  /**
   * After a (re)start: every app with a current release runs again at its desired scale, adopting
   * the processes of that release the previous node process left running ({@code leftovers}, see
   * {@link LeftoverProcesses#scan}). Leftovers no supervisor claims (their release is no longer
   * current, their app is gone) are stopped on {@code blocking}.
   */
  void restore(
      NodeLedger.State state,
      ProcessEnvironment processes,
      List<LeftoverProcesses.Leftover> leftovers,
      Executor blocking) {
    List<LeftoverProcesses.Leftover> unclaimed = new ArrayList<>(leftovers);
    for (NodeLedger.AppState app : state.apps().values()) {
      app.currentRelease()
          .ifPresent(
              rec -> {
                ReleaseSpec spec = processes.spec(rec.request(), state);
                List<LeftoverProcesses.Leftover> mine =
                    unclaimed.stream()
                        .filter(
                            l ->
                                l.app().equals(spec.app())
                                    && l.env().equals(spec.env())
                                    && l.release().equals(spec.release()))
                        .toList();
                unclaimed.removeAll(mine);
                ctx.getLog()
                    .info(
                        "restoring {}/{} release {} with {} instance(s), {} process(es) to adopt",
                        app.app(),
                        app.env(),
                        rec.id(),
                        app.effectiveDesired(),
                        mine.size());
                of(new AppEnv(app.app(), app.env()))
                    .tell(
                        new AppSupervisor.Restore(
                            spec,
                            app.effectiveDesired(),
                            mine.stream().map(LeftoverProcesses.Leftover::instance).toList()));
              });
    }
    if (!unclaimed.isEmpty()) {
      Path runDir = settings.home().resolve("run");
      CompletableFuture.runAsync(
          () -> LeftoverProcesses.stop(unclaimed, runDir, supervisorSettings.termGrace()),
          blocking);
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

  /**
   * The node process is about to be replaced: every supervisor lets go of its current instances
   * without stopping them and stops the others ({@link AppSupervisor.Detach}); answers when all did
   * (or their time is up). The supervisors are forgotten (they stop once detached), so the {@link
   * #stopAll} of the node's shutdown that follows has nothing left to wait for.
   */
  void detachAll(ActorRef<Done> replyTo) {
    Map<AppEnv, ActorRef<AppSupervisor.Command>> detaching = Map.copyOf(supervisors);
    supervisors.clear();
    ctx.spawnAnonymous(
        Gather.create(
            detaching,
            Done.class,
            AppSupervisor.Detach::new,
            supervisorSettings.termGrace().plusSeconds(2),
            answers -> replyTo.tell(Done.getInstance())));
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
