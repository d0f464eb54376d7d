package dev.tako.node.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tako.proxy.RouteSnapshots;
import dev.tako.proxy.RouteTable;
import dev.tako.proxy.Upstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadinessExchangeTest {
  private static final ActorTestKit KIT = ActorTestKit.create();

  @TempDir Path tmp;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  /**
   * The ping is an hour away, so every announcement the peer gets here comes from an event: the
   * peer's arrival, or a route table change that changed the ready set.
   */
  @Test
  void announcesAChangedReadySetWhenTheRouteTablePublishesItWithoutPolling() {
    RouteSnapshots snapshots = new RouteSnapshots();
    ActorRef<RouteTable.Command> routes = KIT.spawn(RouteTable.create(snapshots));
    FailoverSettings settings =
        new FailoverSettings(true, Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(1));
    KIT.spawn(
        ReadinessExchange.create(
            new ReadinessExchange.Self("la", "la", "127.0.0.2", 4001),
            snapshots,
            new ClusterTls(tmp),
            settings,
            Runnable::run));
    TestProbe<ReadinessExchange.Command> peer = KIT.createTestProbe();
    KIT.system().receptionist().tell(Receptionist.register(ReadinessExchange.KEY, peer.getRef()));

    // a newcomer hears at once what this node can serve: nothing yet
    assertEquals(List.of(), announcement(peer).ready());

    routes.tell(
        new RouteTable.SetApp(
            "hello/production",
            List.of("hello.localhost"),
            List.of(new Upstream("127.0.0.1", 3000))));
    ReadinessExchange.Announce ready = announcement(peer);
    assertEquals(List.of("hello/production"), ready.ready());
    assertEquals("la", ready.server());

    // a change that leaves the ready set as it was (another instance) goes nowhere; the next
    // announcement the peer gets is the one of the next real change
    routes.tell(
        new RouteTable.SetApp(
            "hello/production",
            List.of("hello.localhost"),
            List.of(new Upstream("127.0.0.1", 3000), new Upstream("127.0.0.1", 3001))));
    routes.tell(new RouteTable.SetApp("hello/production", List.of("hello.localhost"), List.of()));
    assertEquals(List.of(), announcement(peer).ready());
  }

  private static ReadinessExchange.Announce announcement(
      TestProbe<ReadinessExchange.Command> peer) {
    return peer.expectMessageClass(ReadinessExchange.Announce.class, Duration.ofSeconds(5));
  }
}
