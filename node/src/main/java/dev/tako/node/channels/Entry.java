package dev.tako.node.channels;

import dev.tako.protocol.CborSerializable;

/**
 * One message of a channel at its place in the channel's order.
 *
 * @param seq its place: 1, 2, … without gaps, the same on every server
 * @param id what subscribers and the publisher see ({@link MessageIds}); assigned once by the owner
 *     that created it
 * @param born the ballot of the owner that created it: with {@code seq} it names the entry, two
 *     replicas hold the same entry at a place when both have the same born ballot there
 * @param stamp the ballot of the owner that last stored it here (a new owner stamps what it adopts)
 * @param atMillis the creating owner's clock, for the retention by age
 * @param data the message
 */
public record Entry(long seq, String id, Ballot born, Ballot stamp, long atMillis, byte[] data)
    implements CborSerializable {

  Entry restamped(Ballot ballot) {
    return new Entry(seq, id, born, ballot, atMillis, data);
  }

  boolean sameAs(long seq, Ballot born) {
    return this.seq == seq && this.born.equals(born);
  }

  @Override
  public String toString() {
    return "Entry[" + id + ", " + data.length + " bytes]";
  }
}
