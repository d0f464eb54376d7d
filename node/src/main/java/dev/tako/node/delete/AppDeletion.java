package dev.tako.node.delete;

import dev.tako.node.AppEnv;
import dev.tako.node.AppSupervisors;
import dev.tako.node.LocalLedger;
import dev.tako.node.NodeAgent;
import dev.tako.node.StepResult;
import dev.tako.persistence.ArtifactStore;
import dev.tako.persistence.NodeLedger;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * One server's part of {@code tako delete}, run by its NodeAgent on the agent's thread: the app
 * leaves the ledger first (its sealed secrets with it, and the proxy stops routing to it: 404),
 * then its supervisor drains and stops every instance, then its files go on the blocking
 * dispatcher: releases, logs, dependency installs, the data directory only when asked, and the
 * artifacts no other app of this server uses. Deleting an app that is not here removes whatever
 * files are left and answers {@code not-deployed}.
 *
 * <p>A failure to write the ledger leaves everything running and answers failed; a failure to
 * remove files answers failed with the path, after the app already stopped serving (running the
 * delete again finishes it).
 */
public final class AppDeletion {
  private final ActorContext<NodeAgent.Command> ctx;
  private final String server;
  private final LocalLedger ledger;
  private final AppSupervisors supervisors;
  private final ArtifactStore store;
  private final Executor blocking;

  public AppDeletion(
      ActorContext<NodeAgent.Command> ctx,
      String server,
      LocalLedger ledger,
      AppSupervisors supervisors,
      ArtifactStore store,
      Executor blocking) {
    this.ctx = ctx;
    this.server = server;
    this.ledger = ledger;
    this.supervisors = supervisors;
    this.store = store;
    this.blocking = blocking;
  }

  public void delete(NodeAgent.DeleteApp msg) {
    AppEnv app = new AppEnv(msg.app(), msg.env());
    boolean deployed = ledger.app(app).isPresent() || supervisors.get(app) != null;
    Set<String> shas = artifactsOf(ledger.state(), app);
    ctx.getLog().info("deleting {} here{}", app, msg.purgeData() ? " with its data" : "");
    ledger.writeThen(
        r -> new NodeLedger.RemoveApp(app.app(), app.env(), r),
        failure -> {
          if (failure != null) {
            msg.replyTo()
                .tell(
                    StepResult.failed(
                        server,
                        "could not remove the app from this server's journal: "
                            + StepResult.rootMessage(failure)));
            return;
          }
          supervisors.retire(app, () -> removeFiles(msg, app, deployed, shas));
        });
  }

  private void removeFiles(
      NodeAgent.DeleteApp msg, AppEnv app, boolean deployed, Set<String> shas) {
    // Artifacts another app (or another environment) of this server uses stay.
    Set<String> unused = new HashSet<>(shas);
    ledger.state().apps().values().forEach(a -> unused.removeAll(artifactsOf(a)));
    ActorRef<StepResult> replyTo = msg.replyTo();
    CompletableFuture.runAsync(
            () -> {
              try {
                store.deleteApp(app.app(), app.env(), msg.purgeData());
                store.deleteArtifacts(unused);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            },
            blocking)
        .whenComplete(
            (v, e) ->
                replyTo.tell(
                    e == null
                        ? new StepResult(
                            server,
                            true,
                            !deployed,
                            null,
                            List.of(),
                            null,
                            deployed ? "deleted" : "not-deployed")
                        : StepResult.failed(
                            server,
                            "the app no longer runs here, but removing its files failed: "
                                + StepResult.rootMessage(e)
                                + "; run tako delete again")));
  }

  private static Set<String> artifactsOf(NodeLedger.State state, AppEnv app) {
    return state.app(app.app(), app.env()).map(AppDeletion::artifactsOf).orElse(Set.of());
  }

  private static Set<String> artifactsOf(NodeLedger.AppState app) {
    Set<String> shas = new HashSet<>();
    app.releases().forEach(r -> shas.add(r.request().artifactSha256()));
    return shas;
  }
}
