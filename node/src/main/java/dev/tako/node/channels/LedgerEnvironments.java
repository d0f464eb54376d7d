package dev.tako.node.channels;

import dev.tako.node.NodeConfig;
import dev.tako.persistence.EnvHead;
import dev.tako.persistence.NodeLedger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * An environment's servers as this node's ledger knows them: the servers of the environment's head
 * (the current release, gossiped by convergence), read again every few seconds; for an app/env
 * without a head, every server of the cluster.
 */
final class LedgerEnvironments implements Environments {
  private final ActorSystem<?> system;
  private volatile Map<String, EnvHead> heads = Map.of();

  LedgerEnvironments(
      ActorSystem<?> system,
      ActorRef<NodeLedger.Command> ledger,
      Duration every,
      Duration timeout) {
    this.system = system;
    system
        .scheduler()
        .scheduleWithFixedDelay(
            Duration.ZERO,
            every,
            () ->
                AskPattern.<NodeLedger.Command, NodeLedger.State>ask(
                        ledger, NodeLedger.Get::new, timeout, system.scheduler())
                    .thenAccept(s -> heads = s.heads()),
            system.executionContext());
  }

  @Override
  public List<String> servers(String app, String env) {
    EnvHead head = heads.get(NodeLedger.State.key(app, env));
    if (head != null && !head.deleted() && !head.servers().isEmpty()) {
      return head.servers();
    }
    List<String> all = new ArrayList<>();
    for (Member m : Cluster.get(system).state().getMembers()) {
      String server = NodeConfig.serverOf(m.getRoles());
      if (server != null) {
        all.add(server);
      }
    }
    return all;
  }
}
