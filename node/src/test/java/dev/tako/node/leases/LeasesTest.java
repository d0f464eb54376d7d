package dev.tako.node.leases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.node.AppEnv;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LeasesTest {
  static final AppEnv HELLO = new AppEnv("hello", "production");
  static final AppEnv K = new AppEnv("k", "production");

  final Instant t0 = Instant.parse("2026-11-27T10:00:00Z");
  final Duration ttl = Duration.ofSeconds(30);
  final Leases.Holder a = new Leases.Holder("ra", "la", "ann@laptop", "2026-11-27T10:00:00Z");
  final Leases.Holder b = new Leases.Holder("rb", "nyc", "bob@laptop", "2026-11-27T10:00:05Z");

  @Test
  void aSecondRolloutIsRefusedWithTheHolder() {
    Leases leases = new Leases();
    assertTrue(leases.acquire(HELLO, a, ttl, t0).isEmpty());
    assertEquals(a, leases.acquire(HELLO, b, ttl, t0.plusSeconds(5)).orElseThrow());
    assertTrue(
        leases.acquire(new AppEnv("other", "production"), b, ttl, t0).isEmpty(), "per app/env");
  }

  @Test
  void renewingKeepsItAndAnExpiredLeaseIsFree() {
    Leases leases = new Leases();
    leases.acquire(K, a, ttl, t0);
    assertTrue(leases.acquire(K, a, ttl, t0.plusSeconds(25)).isEmpty(), "renewal by the holder");
    assertTrue(leases.acquire(K, b, ttl, t0.plusSeconds(50)).isPresent(), "renewed until 55 s");
    assertTrue(leases.acquire(K, b, ttl, t0.plusSeconds(56)).isEmpty(), "expired: free again");
    assertEquals(b, leases.holder(K, t0.plusSeconds(57)).orElseThrow());
  }

  @Test
  void onlyTheHolderReleases() {
    Leases leases = new Leases();
    leases.acquire(K, a, ttl, t0);
    leases.release(K, "rb");
    assertTrue(leases.holder(K, t0).isPresent());
    leases.release(K, "ra");
    assertTrue(leases.holder(K, t0).isEmpty());
  }
}
