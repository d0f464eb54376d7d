package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.proxy.channels.ChannelPolicy;
import dev.tako.proxy.channels.ChannelRetention;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouteTableTest {
  @JUnit5TestKit public ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private static final Upstream A = new Upstream("127.0.0.1", 4001);

  @Test
  void publishesASnapshotAfterEveryChange() {
    RouteSnapshots holder = new RouteSnapshots();
    ActorRef<RouteTable.Command> table = testKit.spawn(RouteTable.create(holder));
    TestProbe<RouteSnapshot> probe = testKit.createTestProbe();

    table.tell(new RouteTable.SetApp("hello", List.of("hello.test"), List.of(A)));
    table.tell(new RouteTable.Get(probe.getRef()));
    RouteSnapshot first = probe.receiveMessage();
    assertSame(first, holder.current());
    assertEquals(List.of(A), first.match("hello.test", "/").orElseThrow().upstreams());

    table.tell(new RouteTable.SetApp("hello", List.of("hi.test"), List.of()));
    table.tell(new RouteTable.Get(probe.getRef()));
    RouteSnapshot second = probe.receiveMessage();
    assertTrue(second.match("hello.test", "/").isEmpty());
    assertTrue(second.match("hi.test", "/").orElseThrow().isEmpty());

    table.tell(new RouteTable.SetApp("bad", List.of("*"), List.of(A)));
    table.tell(new RouteTable.Get(probe.getRef()));
    assertSame(second, probe.receiveMessage());

    table.tell(new RouteTable.RemoveApp("hello"));
    table.tell(new RouteTable.Get(probe.getRef()));
    RouteSnapshot third = probe.receiveMessage();
    assertTrue(third.apps().isEmpty());
    assertSame(third, holder.current());
  }

  @Test
  void channelPoliciesTravelWithTheSnapshots() {
    RouteSnapshots holder = new RouteSnapshots();
    ActorRef<RouteTable.Command> table = testKit.spawn(RouteTable.create(holder));
    TestProbe<RouteSnapshot> probe = testKit.createTestProbe();
    ChannelPolicy policy = new ChannelPolicy(List.of("room-*"), "/auth", ChannelRetention.DEFAULT);
    table.tell(new RouteTable.SetApp("chat/prod", List.of("chat.test"), List.of(A)));
    table.tell(new RouteTable.SetChannels("chat/prod", policy));
    table.tell(new RouteTable.Get(probe.getRef()));
    RouteSnapshot first = probe.receiveMessage();
    assertEquals(policy, first.channels("chat/prod"));
    assertEquals(ChannelPolicy.NONE, first.channels("other/prod"));

    table.tell(new RouteTable.SetChannels("chat/prod", policy));
    table.tell(new RouteTable.Get(probe.getRef()));
    assertSame(first, probe.receiveMessage()); // unchanged: no new snapshot

    table.tell(new RouteTable.SetApp("chat/prod", List.of("chat.test"), List.of()));
    table.tell(new RouteTable.Get(probe.getRef()));
    assertEquals(policy, probe.receiveMessage().channels("chat/prod"));

    table.tell(new RouteTable.SetChannels("chat/prod", null));
    table.tell(new RouteTable.Get(probe.getRef()));
    assertEquals(ChannelPolicy.NONE, probe.receiveMessage().channels("chat/prod"));
  }
}
