package dev.tako.node.channels;

/**
 * Message ids: the creating owner's ballot number and the place in the channel, both zero-padded
 * ({@code 00000003-000000000042}), so that ids sort as the channel's order on every server (a later
 * owner's number is never smaller, and places only grow).
 */
public final class MessageIds {
  private MessageIds() {}

  public static String of(long ballot, long seq) {
    return String.format("%08d-%012d", ballot, seq);
  }

  /** The place an id names, or -1 when it is not an id of ours. */
  public static long seqOf(String id) {
    if (id == null || id.length() != 21 || id.charAt(8) != '-') {
      return -1;
    }
    try {
      return Long.parseLong(id.substring(9));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
