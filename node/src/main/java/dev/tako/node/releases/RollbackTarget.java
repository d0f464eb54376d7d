package dev.tako.node.releases;

import dev.tako.persistence.NodeLedger;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.api.RollbackRequest;
import java.util.List;
import java.util.Optional;

/**
 * What {@code tako rollback} deploys: a recorded release's original request, to the servers asked
 * for, without its release command (it ran once already) or canary. The target is the named
 * release, or the one before the current release in this node's ledger; anything else is an error
 * for the user.
 *
 * @param request the deploy to run, or null when {@code error} says why there is none
 */
public record RollbackTarget(DeployRequest request, String error) {

  /**
   * @param app the app/env in this node's ledger, if it has one
   */
  public static RollbackTarget find(
      Optional<NodeLedger.AppState> app, RollbackRequest rb, String server) {
    if (app.isEmpty() || app.get().current() == null) {
      return failed(rb.app() + "/" + rb.env() + " is not deployed on " + server);
    }
    NodeLedger.ReleaseRecord target;
    if (rb.release() != null) {
      target = app.get().release(rb.release()).orElse(null);
      if (target == null) {
        return failed(
            "release "
                + rb.release()
                + " is not known on "
                + server
                + " (see tako releases ls; each server keeps the last 10)");
      }
    } else {
      target = before(app.get().releases(), app.get().current());
      if (target == null) {
        return failed("there is no release before " + app.get().current() + " on " + server);
      }
    }
    return new RollbackTarget(
        target.request().withServers(rb.servers()).withReleaseCommand(null).withCanary(null), null);
  }

  private static NodeLedger.ReleaseRecord before(
      List<NodeLedger.ReleaseRecord> releases, String current) {
    for (int i = releases.size() - 1; i > 0; i--) {
      if (releases.get(i).id().equals(current)) {
        return releases.get(i - 1);
      }
    }
    return null;
  }

  private static RollbackTarget failed(String error) {
    return new RollbackTarget(null, error);
  }
}
