package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HeadDeadlineTest {
  private static final long S = 1_000_000_000L;
  private static final long T0 = 42 * S;

  @Test
  void theFirstHeadCountsFromTheAccept() {
    HeadDeadline d = new HeadDeadline(T0);
    assertFalse(d.headExpired(T0 + 30 * S, 30 * S));
    d.bytes(T0 + 29 * S); // late bytes do not restart the clock
    assertTrue(d.headExpired(T0 + 31 * S, 30 * S));
  }

  @Test
  void aNextHeadCountsFromItsFirstByteAndAQuietConnectionNotAtAll() {
    HeadDeadline d = new HeadDeadline(T0);
    d.bytes(T0 + S);
    d.stop(); // the first head arrived
    assertFalse(d.headExpired(T0 + 1000 * S, 30 * S), "quiet keep-alive: the idle timeout's");
    d.bytes(T0 + 1000 * S);
    d.bytes(T0 + 1020 * S);
    assertFalse(d.headExpired(T0 + 1030 * S, 30 * S));
    assertTrue(d.headExpired(T0 + 1031 * S, 30 * S));
  }

  @Test
  void theHandshakeCountsFromTheAcceptAndAnyByteEndsIt() {
    HeadDeadline d = new HeadDeadline(T0);
    assertFalse(d.handshakeExpired(T0 + 10 * S, 10 * S));
    assertTrue(d.handshakeExpired(T0 + 11 * S, 10 * S));
    assertFalse(d.anyByte());
    d.bytes(T0 + S);
    assertTrue(d.anyByte());
  }
}
