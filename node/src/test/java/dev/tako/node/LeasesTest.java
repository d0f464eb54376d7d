package dev.tako.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LeasesTest {
  final Instant t0 = Instant.parse("2026-11-27T10:00:00Z");
  final Duration ttl = Duration.ofSeconds(30);
  final Leases.Holder a = new Leases.Holder("ra", "la", "ann@laptop", "2026-11-27T10:00:00Z");
  final Leases.Holder b = new Leases.Holder("rb", "nyc", "bob@laptop", "2026-11-27T10:00:05Z");

  @Test
  void aSecondRolloutIsRefusedWithTheHolder() {
    Leases leases = new Leases();
    assertTrue(leases.acquire("hello/production", a, ttl, t0).isEmpty());
    assertEquals(a, leases.acquire("hello/production", b, ttl, t0.plusSeconds(5)).orElseThrow());
    assertTrue(leases.acquire("other/production", b, ttl, t0).isEmpty(), "per app/env");
  }

  @Test
  void renewingKeepsItAndAnExpiredLeaseIsFree() {
    Leases leases = new Leases();
    leases.acquire("k", a, ttl, t0);
    assertTrue(leases.acquire("k", a, ttl, t0.plusSeconds(25)).isEmpty(), "renewal by the holder");
    assertTrue(leases.acquire("k", b, ttl, t0.plusSeconds(50)).isPresent(), "renewed until 55 s");
    assertTrue(leases.acquire("k", b, ttl, t0.plusSeconds(56)).isEmpty(), "expired: free again");
    assertEquals(b, leases.holder("k", t0.plusSeconds(57)).orElseThrow());
  }

  @Test
  void onlyTheHolderReleases() {
    Leases leases = new Leases();
    leases.acquire("k", a, ttl, t0);
    leases.release("k", "rb");
    assertTrue(leases.holder("k", t0).isPresent());
    leases.release("k", "ra");
    assertTrue(leases.holder("k", t0).isEmpty());
  }
}
