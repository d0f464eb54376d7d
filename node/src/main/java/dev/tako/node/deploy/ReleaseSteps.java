package dev.tako.node.deploy;

import dev.tako.node.AppEnv;
import dev.tako.node.AppSupervisors;
import dev.tako.node.LocalLedger;
import dev.tako.node.NodeAgent;
import dev.tako.node.NodeSettings;
import dev.tako.node.StepResult;
import dev.tako.node.deps.DependencyInstall;
import dev.tako.node.deps.InstallFailed;
import dev.tako.persistence.ArtifactException;
import dev.tako.persistence.ArtifactStore;
import dev.tako.persistence.NodeLedger;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.supervisor.AppSupervisor;
import dev.tako.supervisor.SupervisorSettings;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The steps of a rollout on this server, run by the NodeAgent: prepare (verify and extract the
 * artifact, install its dependencies ({@link DependencyInstall}), record the release), the release
 * command, start the release beside the current one, switch to it, or abort it. Blocking work runs
 * on {@code blocking}; answers come back to the agent as {@link NodeAgent.Continue}. Every failure
 * is a failed {@link StepResult} for the rollout.
 */
public final class ReleaseSteps {
  private final ActorContext<NodeAgent.Command> ctx;
  private final NodeSettings settings;
  private final SupervisorSettings supervisorSettings;
  private final LocalLedger ledger;
  private final AppSupervisors supervisors;
  private final ArtifactStore store;
  private final Executor blocking;
  private final ProcessEnvironment processes;

  /**
   * The release last started beside the current one and not yet switched or aborted. A supervisor
   * has one candidate at a time, so Switch and Abort act only when they name it: a second deploy of
   * the same app must neither switch to nor stop the other deploy's instances.
   */
  private final Map<AppEnv, String> started = new HashMap<>();

  public ReleaseSteps(
      ActorContext<NodeAgent.Command> ctx,
      NodeSettings settings,
      SupervisorSettings supervisorSettings,
      LocalLedger ledger,
      AppSupervisors supervisors,
      ArtifactStore store,
      Executor blocking,
      ProcessEnvironment processes) {
    this.ctx = ctx;
    this.settings = settings;
    this.supervisorSettings = supervisorSettings;
    this.ledger = ledger;
    this.supervisors = supervisors;
    this.store = store;
    this.blocking = blocking;
    this.processes = processes;
  }

  /** Unchanged when the release is current; else verified, extracted and recorded. */
  public void prepare(NodeAgent.Prepare msg) {
    DeployRequest req = msg.request();
    ActorRef<StepResult> replyTo = msg.replyTo();
    String previous = ledger.current(new AppEnv(req.app(), req.env()));
    if (req.release().equals(previous)) {
      replyTo.tell(new StepResult(settings.server(), true, true, null, List.of()));
      return;
    }
    ctx.pipeToSelf(
        CompletableFuture.supplyAsync(
            () -> {
              try {
                store.verify(req.artifactSha256());
                var dir = store.extract(req.artifactSha256(), req.app(), req.env(), req.release());
                // Dependencies before the release is recorded: a failed install leaves nothing.
                return DependencyInstall.install(
                        dir,
                        DependencyInstall.root(store, req.app(), req.env()),
                        store.logsDir(req.app(), req.env()),
                        req.app(),
                        settings.installTimeout())
                    .orElse(null);
              } catch (ArtifactException | InstallFailed e) {
                throw new CompletionException(e);
              }
            },
            blocking),
        (detail, failure) ->
            new NodeAgent.Continue(() -> prepared(req, replyTo, failure, previous, detail)));
  }

  private void prepared(
      DeployRequest req,
      ActorRef<StepResult> replyTo,
      Throwable failure,
      String previous,
      String detail) {
    if (failure != null) {
      Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
      replyTo.tell(
          cause instanceof InstallFailed f
              ? new StepResult(settings.server(), false, false, f.getMessage(), f.lastStderr())
              : StepResult.failed(settings.server(), StepResult.rootMessage(failure)));
      return;
    }
    var record = new NodeLedger.ReleaseRecord(req.release(), req, req.created(), req.by());
    ledger.write(
        r -> new NodeLedger.RecordRelease(record, r),
        replyTo,
        new StepResult(settings.server(), true, false, null, List.of(), previous, detail),
        f -> StepResult.failed(settings.server(), "could not record the release: " + f));
  }

  /** tako.toml's {@code release} command, once, with the release's environment. */
  public void runReleaseCommand(NodeAgent.RunReleaseCommand msg) {
    ActorRef<StepResult> replyTo = msg.replyTo();
    DeployRequest req = ledger.request(new AppEnv(msg.app(), msg.env()), msg.release());
    if (req == null || req.releaseCommand() == null) {
      replyTo.tell(StepResult.failed(settings.server(), "no release command to run"));
      return;
    }
    var spec = processes.spec(req, ledger.state());
    ctx.pipeToSelf(
        CompletableFuture.supplyAsync(
            () -> ReleaseCommand.run(spec, req.releaseCommand(), settings), blocking),
        (result, failure) ->
            new NodeAgent.Continue(
                () ->
                    replyTo.tell(
                        failure == null
                            ? result
                            : StepResult.failed(
                                settings.server(),
                                "the release command failed: "
                                    + StepResult.rootMessage(failure)))));
  }

  /** Starts the release beside the current one; answers when all are ready or one failed. */
  public void start(NodeAgent.StartRelease msg) {
    AppEnv app = new AppEnv(msg.app(), msg.env());
    String release = msg.release();
    ActorRef<StepResult> replyTo = msg.replyTo();
    DeployRequest req = ledger.request(app, release);
    if (req == null) {
      replyTo.tell(
          StepResult.failed(settings.server(), "release " + release + " was not prepared here"));
      return;
    }
    // The supervisor starts at least one (a deploy at zero has one warm instance until it is idle).
    int instances =
        Math.min(
            settings.maxInstances(),
            ledger
                .app(app)
                .map(a -> a.desired() != null ? a.desired() : req.instances())
                .orElse(req.instances()));
    started.put(app, release);
    var spec = processes.spec(req, ledger.state());
    ctx.ask(
        AppSupervisor.CandidateResult.class,
        supervisors.of(app),
        supervisorSettings
            .startTimeout()
            .plus(supervisorSettings.stabilityWindow())
            .plusSeconds(15),
        r -> new AppSupervisor.StartCandidate(spec, instances, r),
        (result, failure) -> new NodeAgent.Continue(() -> replyTo.tell(started(result, failure))));
  }

  private StepResult started(AppSupervisor.CandidateResult result, Throwable failure) {
    if (failure != null) {
      return StepResult.failed(settings.server(), "starting timed out: " + failure);
    }
    if (result instanceof AppSupervisor.CandidateFailed f) {
      String error = f.reason() + (f.exitCode() != null ? " (exit code " + f.exitCode() + ")" : "");
      return new StepResult(settings.server(), false, false, error, f.lastStderr());
    }
    return StepResult.ok(settings.server());
  }

  /** Routes traffic to the started release, drains the old one and records the switch. */
  public void switchTo(NodeAgent.Switch msg) {
    AppEnv app = new AppEnv(msg.app(), msg.env());
    String release = msg.release();
    ActorRef<StepResult> replyTo = msg.replyTo();
    ActorRef<AppSupervisor.Command> sup = supervisors.get(app);
    String candidate = started.get(app);
    if (sup == null || !release.equals(candidate)) {
      replyTo.tell(
          StepResult.failed(
              settings.server(),
              "release "
                  + release
                  + " was not started here, nothing to switch to"
                  + (candidate == null
                      ? ""
                      : "; release " + candidate + " is being deployed; wait and retry")));
      return;
    }
    started.remove(app);
    ctx.ask(
        Done.class,
        sup,
        settings.askTimeout(),
        AppSupervisor.PromoteCandidate::new,
        (done, failure) -> new NodeAgent.Continue(() -> switched(app, release, replyTo, failure)));
  }

  private void switched(
      AppEnv app, String release, ActorRef<StepResult> replyTo, Throwable failure) {
    if (failure != null) {
      replyTo.tell(StepResult.failed(settings.server(), "switch failed: " + failure.getMessage()));
      return;
    }
    ledger.writeWithStatus(
        r -> new NodeLedger.Activate(app.app(), app.env(), release, r),
        replyTo,
        StepResult.ok(settings.server()),
        f -> StepResult.failed(settings.server(), "could not record the switch: " + f),
        () -> {});
  }

  /** Stops the started, not switched, instances of the release, when they are this deploy's. */
  public void abort(NodeAgent.Abort msg) {
    AppEnv app = new AppEnv(msg.app(), msg.env());
    String release = msg.release();
    ActorRef<StepResult> replyTo = msg.replyTo();
    ActorRef<AppSupervisor.Command> sup = supervisors.get(app);
    if (sup == null || !release.equals(started.get(app))) {
      // Nothing of this release runs beside the current one (or another deploy's does: keep it).
      replyTo.tell(StepResult.ok(settings.server()));
      return;
    }
    started.remove(app);
    ctx.ask(
        Done.class,
        sup,
        supervisorSettings.termGrace().plus(settings.askTimeout()),
        AppSupervisor.AbortCandidate::new,
        (done, failure) ->
            new NodeAgent.Continue(
                () ->
                    ledger.refreshThenReply(
                        replyTo,
                        failure == null
                            ? StepResult.ok(settings.server())
                            : StepResult.failed(settings.server(), "abort failed: " + failure))));
  }
}
