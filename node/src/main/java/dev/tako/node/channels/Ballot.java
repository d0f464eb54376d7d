package dev.tako.node.channels;

import dev.tako.protocol.CborSerializable;
import java.util.Comparator;

/**
 * An owner's term over one channel: a number, then the owning server to break ties. A replica
 * promises only to a ballot greater than every one it promised before, so an owner whose ballot was
 * overtaken can no longer get anything stored: that is the fence of a handover.
 */
public record Ballot(long n, String server) implements Comparable<Ballot>, CborSerializable {
  public static final Ballot ZERO = new Ballot(0, "");

  private static final Comparator<Ballot> ORDER =
      Comparator.comparingLong(Ballot::n).thenComparing(Ballot::server);

  public Ballot {
    server = server == null ? "" : server;
  }

  @Override
  public int compareTo(Ballot other) {
    return ORDER.compare(this, other);
  }

  public boolean greaterThan(Ballot other) {
    return compareTo(other) > 0;
  }

  /** The next ballot of {@code server} after everything it has seen. */
  public static Ballot after(Ballot seen, String server) {
    return new Ballot(seen.n() + 1, server);
  }
}
