package dev.tako.node.cluster;

import java.util.Set;

/**
 * Decides the status `tako status` shows for one cluster member, from what this node knows: the
 * member's membership status, Pekko's reachability (per member within this node's own region, per
 * region across regions) and the asks of this node that the member left unanswered.
 *
 * <p>Pekko's multi-data-center cluster watches members of the own region one by one, but other
 * regions only through the oldest {@code cross-data-center-connections} nodes of each, and reports
 * those as whole unreachable regions. With one server per region that covers every member; with
 * several, a single dead member of another region is seen only by its own region, so this node's
 * own failed asks to it count too (from {@link #FAILED_ASKS_FOR_UNREACHABLE} in a row, so that one
 * slow answer does not flip it).
 */
public final class MemberStatusPolicy {
  /** Failed asks in a row after which a member of another region counts as unreachable. */
  public static final int FAILED_ASKS_FOR_UNREACHABLE = 2;

  private MemberStatusPolicy() {}

  /**
   * What this node knows of one member.
   *
   * @param region the member's region (Pekko data center)
   * @param membership up | joining | leaving | down, from the membership alone
   * @param unreachable Pekko's failure detector of this node's region lost it
   * @param failedAsks this node's asks to it that failed in a row since its last answer
   */
  public record Facts(String region, String membership, boolean unreachable, int failedAsks) {}

  /** The member status: {@code unreachable} or the membership status. */
  public static String status(String selfRegion, Set<String> unreachableRegions, Facts member) {
    if (member.membership().equals("down")) {
      return "down";
    }
    if (member.unreachable()) {
      return "unreachable";
    }
    if (!member.region().equals(selfRegion)
        && (unreachableRegions.contains(member.region())
            || member.failedAsks() >= FAILED_ASKS_FOR_UNREACHABLE)) {
      return "unreachable";
    }
    return member.membership();
  }

  /** Whether {@code tako status} asks a member with this status now (never an unreachable one). */
  public static boolean askNow(String status) {
    return status.equals("up") || status.equals("leaving");
  }

  /**
   * Whether the background refresh asks a member: every member that is up or leaving and that Pekko
   * does not hold unreachable, also one that only this node's failed asks made unreachable (so that
   * an answer can make it reachable again).
   */
  public static boolean refresh(String selfRegion, Set<String> unreachableRegions, Facts member) {
    return askNow(member.membership())
        && !member.unreachable()
        && (member.region().equals(selfRegion) || !unreachableRegions.contains(member.region()));
  }
}
