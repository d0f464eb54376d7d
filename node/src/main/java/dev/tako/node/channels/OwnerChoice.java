package dev.tako.node.channels;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which server owns (orders) a channel, from what one node sees: among the environment's servers
 * that are up and reachable from here, the one with the highest hash of channel and server name
 * (rendezvous hashing: every node that sees the same servers picks the same owner, and a server
 * that goes away moves only its own channels). Nobody owns a channel while this node reaches no
 * majority of the environment's servers: that side of a partition cannot keep the order, so it
 * answers publishes with 503.
 */
public final class OwnerChoice {
  private OwnerChoice() {}

  /** How many of {@code servers} make a majority. */
  public static int majority(int servers) {
    return servers / 2 + 1;
  }

  /** Whether {@code reachable} (this node included) holds a majority of {@code envServers}. */
  public static boolean hasMajority(Collection<String> envServers, Set<String> reachable) {
    long seen = envServers.stream().filter(reachable::contains).count();
    return seen >= majority(envServers.size());
  }

  /**
   * The owner of {@code channel}, or empty when {@code reachable} holds no majority of the
   * environment's servers.
   *
   * @param channel the channel's full key (app, env and name)
   * @param envServers every server of the environment, reachable or not
   * @param reachable the servers this node holds up and reachable, itself included
   */
  public static Optional<String> owner(
      String channel, Collection<String> envServers, Set<String> reachable) {
    if (envServers.isEmpty() || !hasMajority(envServers, reachable)) {
      return Optional.empty();
    }
    return envServers.stream()
        .filter(reachable::contains)
        .max(Comparator.comparingLong((String s) -> weight(channel, s)).thenComparing(s -> s));
  }

  static long weight(String channel, String server) {
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256")
              .digest((channel + "\n" + server).getBytes(StandardCharsets.UTF_8));
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (h[i] & 0xff);
      }
      return v;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What one replica answered a new owner's prepare: how far its log goes. */
  public record Promise(String server, long last, Ballot lastStamp, long commit, long first) {}

  /**
   * The log a new owner continues from: the one whose last entry was stamped by the latest owner,
   * then the longest. Every committed entry is on a majority of the servers, so on one of any
   * majority that answered; the log stamped latest holds it, since each owner started from such a
   * log and only ever appended to it.
   */
  public static Promise mostComplete(List<Promise> promises) {
    return promises.stream()
        .max(
            Comparator.comparing(Promise::lastStamp)
                .thenComparingLong(Promise::last)
                .thenComparing(Promise::server))
        .orElseThrow();
  }
}
