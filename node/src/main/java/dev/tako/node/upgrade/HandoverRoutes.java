package dev.tako.node.upgrade;

import dev.tako.node.api.ApiDirectives;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code POST /v1/node/handover} ({@code tako servers upgrade}): this node's process hands over to
 * a new one started from the distribution installed now ({@link NodeHandover}). Answers 202 with
 * this process's pid at once (the API goes away with the actor system); 409 when a handover is
 * already under way; 501 when this process cannot be replaced in place (restart it instead). The
 * caller waits for {@code GET /v1/ping} to answer with another pid.
 */
public final class HandoverRoutes extends ApiDirectives {
  private final NodeHandover handover;

  public HandoverRoutes(NodeHandover handover) {
    this.handover = handover;
  }

  public Route route() {
    return path(
        PathMatchers.segment("node").slash("handover"),
        () ->
            post(
                () -> {
                  long pid = ProcessHandle.current().pid();
                  return switch (handover.begin()) {
                    case STARTED ->
                        json(StatusCodes.ACCEPTED, Map.of("handing_over", true, "pid", pid));
                    case ALREADY_UNDER_WAY ->
                        json(
                            StatusCodes.CONFLICT,
                            Map.of(
                                "error",
                                "a handover of this node is already under way",
                                "pid",
                                pid));
                    case NOT_POSSIBLE ->
                        json(
                            StatusCodes.NOT_IMPLEMENTED,
                            Map.of(
                                "error",
                                "this node runs under systemd without a notify socket (a unit from an"
                                    + " older tako); restart it instead",
                                "pid",
                                pid));
                  };
                }));
  }
}
