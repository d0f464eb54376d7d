package dev.tako.proxy.failover;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable view of the peers this node can forward to: per app key ({@code app/env}) the peers
 * with a ready instance, nearest (smallest measured round trip) first, and every peer by server and
 * region name (for {@code Tako-Replay}). Built off the event loops, read by them without locks.
 */
public final class PeerDirectory {
  /** No peer known: nothing is forwarded. */
  public static final PeerDirectory EMPTY = new PeerDirectory(Map.of(), List.of());

  private static final Comparator<PeerProxy> NEAREST =
      Comparator.comparingLong(PeerProxy::rttNanos).thenComparing(PeerProxy::server);

  private final Map<String, List<PeerProxy>> ready;
  private final List<PeerProxy> all;

  private PeerDirectory(Map<String, List<PeerProxy>> ready, List<PeerProxy> all) {
    this.ready = ready;
    this.all = all;
  }

  /**
   * Builds a directory.
   *
   * @param peers each reachable peer and the app keys it has a ready instance of
   */
  public static PeerDirectory of(Map<PeerProxy, Set<String>> peers) {
    Map<String, List<PeerProxy>> ready = new HashMap<>();
    List<PeerProxy> all = new ArrayList<>(peers.keySet());
    all.sort(NEAREST);
    for (PeerProxy peer : all) {
      for (String app : peers.get(peer)) {
        ready.computeIfAbsent(app, a -> new ArrayList<>()).add(peer);
      }
    }
    Map<String, List<PeerProxy>> frozen = new HashMap<>();
    ready.forEach((app, list) -> frozen.put(app, List.copyOf(list)));
    return new PeerDirectory(Map.copyOf(frozen), List.copyOf(all));
  }

  /** The peers with a ready instance of {@code appKey}, nearest first (empty when none). */
  public List<PeerProxy> ready(String appKey) {
    List<PeerProxy> peers = ready.get(appKey);
    return peers == null ? List.of() : peers;
  }

  /** The nearest peer with a ready instance of {@code appKey}, if any. */
  public Optional<PeerProxy> nearest(String appKey) {
    List<PeerProxy> peers = ready.get(appKey);
    return peers == null || peers.isEmpty() ? Optional.empty() : Optional.of(peers.get(0));
  }

  /**
   * The peer a {@code Tako-Replay} names: the server of that name, else the nearest peer in the
   * region of that name.
   */
  public Optional<PeerProxy> named(String serverOrRegion) {
    for (PeerProxy peer : all) {
      if (peer.server().equalsIgnoreCase(serverOrRegion)) {
        return Optional.of(peer);
      }
    }
    for (PeerProxy peer : all) {
      if (peer.region().equalsIgnoreCase(serverOrRegion)) {
        return Optional.of(peer);
      }
    }
    return Optional.empty();
  }

  /** Every peer, nearest first. */
  public List<PeerProxy> peers() {
    return all;
  }

  @Override
  public String toString() {
    return "PeerDirectory" + ready;
  }
}
