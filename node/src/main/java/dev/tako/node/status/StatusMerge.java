package dev.tako.node.status;

import dev.tako.persistence.EnvHead;
import dev.tako.protocol.api.StatusView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Merges the fresh answers of a status query with the last known state of the servers that did not
 * answer: a server that answered is shown as it answered; one that did not (unreachable, not asked,
 * too slow) with the apps of its last known state, each server entry marked stale; a server never
 * known is shown without apps. Servers that are no members any more (stopped, left) but were known
 * keep their last apps, stale, after the members. Each app's {@code current} is the greatest
 * environment head any server reported ({@link EnvHead#ORDER}).
 */
public final class StatusMerge {
  private StatusMerge() {}

  public static StatusView merge(
      List<StatusView.Member> members,
      Map<String, ServerStatus> answered,
      Map<String, ServerStatus> lastKnown) {
    Map<String, StatusView.AppView> apps = new TreeMap<>();
    Map<String, List<StatusView.ServerAppView>> byApp = new HashMap<>();
    Map<String, EnvHead> heads = new HashMap<>();
    List<String> servers = new ArrayList<>();
    members.forEach(m -> servers.add(m.server()));
    lastKnown.keySet().stream().filter(k -> !servers.contains(k)).sorted().forEach(servers::add);
    for (String server : servers) {
      ServerStatus s = answered.get(server);
      boolean stale = false;
      if (s == null) {
        s = lastKnown.get(server);
        stale = true;
      }
      if (s == null) {
        continue;
      }
      for (ServerStatus.AppOnServer a : s.apps()) {
        String key = a.app() + "/" + a.env();
        apps.putIfAbsent(key, new StatusView.AppView(a.app(), a.env(), a.routes(), List.of()));
        if (a.head() != null) {
          heads.merge(key, a.head(), EnvHead::max);
        }
        StatusView.ServerAppView v = a.view();
        if (stale) {
          v =
              new StatusView.ServerAppView(
                  v.server(),
                  v.region(),
                  v.release(),
                  v.desired(),
                  v.url(),
                  true,
                  v.instances(),
                  v.state());
        }
        byApp.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
      }
    }
    List<StatusView.AppView> out = new ArrayList<>();
    apps.forEach(
        (key, a) ->
            out.add(
                new StatusView.AppView(
                    a.app(),
                    a.env(),
                    a.routes(),
                    byApp.getOrDefault(key, List.of()),
                    current(heads.get(key)))));
    return new StatusView(new StatusView.Cluster(withRuntimes(members, answered, lastKnown)), out);
  }

  /**
   * Each member with the runtimes (SPEC §10) and node figures of its answer, else of its last known
   * state.
   */
  static List<StatusView.Member> withRuntimes(
      List<StatusView.Member> members,
      Map<String, ServerStatus> answered,
      Map<String, ServerStatus> lastKnown) {
    List<StatusView.Member> out = new ArrayList<>();
    for (StatusView.Member m : members) {
      ServerStatus s = answered.getOrDefault(m.server(), lastKnown.get(m.server()));
      if (s == null) {
        out.add(m);
        continue;
      }
      StatusView.Member withRuntimes = s.runtimes() == null ? m : m.withRuntimes(s.runtimes());
      out.add(s.node() == null ? withRuntimes : withRuntimes.withNode(s.node()));
    }
    return out;
  }

  /** The greatest head any server reported: the environment's current release, and who won. */
  static StatusView.Current current(EnvHead head) {
    if (head == null) {
      return null;
    }
    return new StatusView.Current(
        head.release(),
        head.generation(),
        head.kind(),
        head.decidedBy(),
        Instant.ofEpochMilli(head.decidedAtMillis()).toString());
  }
}
