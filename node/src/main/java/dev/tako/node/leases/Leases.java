package dev.tako.node.leases;

import dev.tako.node.AppEnv;
import dev.tako.node.StepResult;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The deploy locks a node holds, per app/env: a lease has a holder and an expiry; the holder renews
 * it while its rollout lives and gives it back at the end. A lease that was not renewed in time is
 * free again, so a coordinator that died never leaves a stuck lock. Plain state, owned by the
 * NodeAgent; time is passed in so tests need no clock.
 */
public final class Leases {
  /** Who holds a lease: a rollout id, its coordinating server, the user and when it started. */
  public record Holder(String rolloutId, String coordinator, String by, String since)
      implements dev.tako.protocol.CborSerializable {
    public String describe() {
      return "a deploy by " + by + " (coordinated by " + coordinator + ") since " + since;
    }
  }

  private record Lease(Holder holder, Instant expires) {}

  private final Map<AppEnv, Lease> leases = new HashMap<>();

  /** Takes or renews the lease; empty when granted, else the current holder. */
  public Optional<Holder> acquire(AppEnv key, Holder holder, Duration ttl, Instant now) {
    Lease current = leases.get(key);
    if (current != null
        && current.expires().isAfter(now)
        && !current.holder().rolloutId().equals(holder.rolloutId())) {
      return Optional.of(current.holder());
    }
    leases.put(key, new Lease(holder, now.plus(ttl)));
    return Optional.empty();
  }

  /** Gives the lease back if this rollout holds it. */
  public void release(AppEnv key, String rolloutId) {
    Lease current = leases.get(key);
    if (current != null && current.holder().rolloutId().equals(rolloutId)) {
      leases.remove(key);
    }
  }

  public Optional<Holder> holder(AppEnv key, Instant now) {
    Lease current = leases.get(key);
    return current != null && current.expires().isAfter(now)
        ? Optional.of(current.holder())
        : Optional.empty();
  }

  /** Why a deploy is refused while {@code holder} holds the lock, and what to do. */
  public static String lockedMessage(String app, String env, String holder) {
    return app
        + "/"
        + env
        + " is being deployed: "
        + holder
        + "; wait for it to finish, or run again with --wait";
  }

  /**
   * The answer to a lease request on {@code server}: ok when the lock is free, else who holds it.
   */
  public static StepResult answer(Optional<Holder> holder, String server) {
    return holder.isEmpty()
        ? StepResult.ok(server)
        : StepResult.failed(server, holder.get().describe() + " holds it on " + server);
  }
}
