package dev.tako.node.releases;

import dev.tako.protocol.CborSerializable;
import dev.tako.protocol.api.ReleasesView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges the release lists of several servers into one history (SPEC §5 {@code releases ls}): one
 * entry per release id with the servers holding it and those running it, newest first.
 */
public final class ReleaseHistory {
  private ReleaseHistory() {}

  /** One release as one server knows it. */
  public record Known(String id, String created, String by, boolean current)
      implements CborSerializable {}

  public static ReleasesView merge(Map<String, List<Known>> byServer) {
    Map<String, Known> first = new LinkedHashMap<>();
    Map<String, List<String>> servers = new LinkedHashMap<>();
    Map<String, List<String>> currentOn = new LinkedHashMap<>();
    byServer.forEach(
        (server, known) -> {
          for (Known k : known) {
            first.putIfAbsent(k.id(), k);
            servers.computeIfAbsent(k.id(), x -> new ArrayList<>()).add(server);
            List<String> cur = currentOn.computeIfAbsent(k.id(), x -> new ArrayList<>());
            if (k.current()) {
              cur.add(server);
            }
          }
        });
    List<ReleasesView.Release> out = new ArrayList<>();
    first.forEach(
        (id, k) ->
            out.add(
                new ReleasesView.Release(
                    id, k.created(), k.by(), sorted(servers.get(id)), sorted(currentOn.get(id)))));
    out.sort(
        Comparator.comparing(
                ReleasesView.Release::created, Comparator.nullsLast(Comparator.reverseOrder()))
            .thenComparing(ReleasesView.Release::id));
    return new ReleasesView(out);
  }

  private static List<String> sorted(List<String> l) {
    List<String> s = new ArrayList<>(l);
    s.sort(String::compareTo);
    return s;
  }
}
