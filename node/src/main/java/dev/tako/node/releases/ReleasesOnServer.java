package dev.tako.node.releases;

import dev.tako.protocol.CborSerializable;
import java.util.List;

/** One server's answer to {@link dev.tako.node.NodeAgent.GetReleases}: the releases it holds. */
public record ReleasesOnServer(String server, List<ReleaseHistory.Known> releases)
    implements CborSerializable {
  public ReleasesOnServer {
    releases = List.copyOf(releases);
  }

  /** The releases an app/env has in a node's ledger, the current one marked. */
  public static List<ReleaseHistory.Known> known(
      dev.tako.persistence.NodeLedger.State state, String app, String env) {
    if (state == null) {
      return List.of();
    }
    return state
        .app(app, env)
        .map(
            a ->
                a.releases().stream()
                    .map(
                        r ->
                            new ReleaseHistory.Known(
                                r.id(), r.created(), r.by(), r.id().equals(a.current())))
                    .toList())
        .orElse(List.of());
  }
}
