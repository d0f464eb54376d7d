package dev.tako.node.leases;

import dev.tako.node.AppEnv;
import dev.tako.node.NodeAgent;
import dev.tako.node.StepResult;
import java.time.Duration;
import java.time.Instant;

/**
 * The NodeAgent's answers about the deploy locks of this server ({@link Leases}): a lock is taken
 * or renewed, asked about, or given back. Used on the agent's thread only; a refused lock is a
 * failed step naming its holder.
 */
public final class LeaseDesk {
  private final Leases leases = new Leases();
  private final String server;

  public LeaseDesk(String server) {
    this.server = server;
  }

  public void acquire(NodeAgent.AcquireLease m) {
    var holder =
        leases.acquire(
            new AppEnv(m.app(), m.env()),
            m.holder(),
            Duration.ofMillis(m.ttlMillis()),
            Instant.now());
    m.replyTo().tell(Leases.answer(holder, server));
  }

  public void query(NodeAgent.GetLease m) {
    m.replyTo()
        .tell(Leases.answer(leases.holder(new AppEnv(m.app(), m.env()), Instant.now()), server));
  }

  /**
   * Null when a step of {@code rolloutId} may run here (it holds the lock, the lock is free, or the
   * step is unchecked), else the refusal naming who holds the lock now.
   */
  public StepResult fence(String app, String env, String rolloutId) {
    if (rolloutId == null) {
      return null;
    }
    var now = leases.holder(new AppEnv(app, env), Instant.now());
    if (now.isEmpty() || now.get().rolloutId().equals(rolloutId)) {
      return null;
    }
    return StepResult.failed(
        server,
        "this deploy lost the lock on "
            + server
            + " (it was cut off longer than the lock's lease): "
            + now.get().describe()
            + " holds it now; nothing was changed here by this step");
  }

  public void release(NodeAgent.ReleaseLease m) {
    leases.release(new AppEnv(m.app(), m.env()), m.rolloutId());
  }
}
