package dev.tako.node.run;

import dev.tako.node.Blocking;
import dev.tako.node.NodeAgent;
import dev.tako.node.NodeSettings;
import dev.tako.node.StepResult;
import dev.tako.node.api.ApiDirectives;
import dev.tako.node.cluster.ClusterView;
import dev.tako.protocol.api.ApiError;
import dev.tako.protocol.api.RunRequest;
import dev.tako.protocol.api.RunTicket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code POST /v1/run} ({@code tako run}): asks this node's agent for the app/env's {@link
 * RunEnvironment} and writes it as a {@link RunEnvFile} on the blocking dispatcher; answers with a
 * {@link RunTicket} naming that file, which the CLI's SSH session then sources. Only this server:
 * the CLI already chose it and has its SSH connection. No current release here is a 404; a file
 * that cannot be written is a 500 naming the path. A sweep after {@link RunEnvFile#TTL} removes the
 * file if the command never started.
 */
public final class RunRoutes extends ApiDirectives {
  private final NodeSettings settings;
  private final ClusterView view;
  private final Executor blocking;

  public RunRoutes(ActorSystem<?> system, NodeSettings settings, ClusterView view) {
    this.settings = settings;
    this.view = view;
    this.blocking = Blocking.executor(system);
  }

  public Route route() {
    return path(
        "run",
        () ->
            post(
                () ->
                    body(
                        RunRequest.class,
                        req ->
                            req.app() == null || req.env() == null
                                ? badRequest("a run request names app and env", "app")
                                : onSuccess(ticket(req), route -> route))));
  }

  private CompletionStage<Route> ticket(RunRequest req) {
    return view.<RunEnvironment>askAgent(
            settings.server(), r -> new NodeAgent.GetRunEnvironment(req.app(), req.env(), r))
        .thenApplyAsync(this::write, blocking)
        .exceptionally(
            e ->
                json(
                    StatusCodes.INTERNAL_SERVER_ERROR,
                    ApiError.of(
                        "cannot prepare the command's environment on "
                            + settings.server()
                            + ": "
                            + StepResult.rootMessage(e))));
  }

  private Route write(RunEnvironment run) {
    if (run.error() != null) {
      return json(StatusCodes.NOT_FOUND, ApiError.of(run.error()));
    }
    try {
      var file = RunEnvFile.write(settings.home(), run);
      // the command normally consumes it within a second; this is for one that never started
      CompletableFuture.delayedExecutor(RunEnvFile.TTL.toSeconds() + 1, TimeUnit.SECONDS, blocking)
          .execute(this::sweep);
      return json(
          StatusCodes.OK,
          new RunTicket(settings.server(), run.release(), run.dir().toString(), file.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void sweep() {
    try {
      RunEnvFile.sweep(settings.home(), java.time.Instant.now());
    } catch (IOException e) {
      // the next write sweeps again
    }
  }
}
