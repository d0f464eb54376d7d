package dev.tako.node.channels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tako.node.cluster.ClusterView;
import dev.tako.proxy.channels.ChannelHub;
import dev.tako.proxy.channels.ChannelKey;
import dev.tako.proxy.channels.ChannelRetention;
import dev.tako.proxy.channels.ChannelSink;
import dev.tako.proxy.channels.ChannelUnavailableException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real nodes' channels, each its own actor system in its own region, forming one cluster over
 * Artery on loopback (real serialization between them): one order on every node, an owner that dies
 * without losing or reordering anything, a node that restarts with its history and catches up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChannelsClusterTest {
  private static final String SYSTEM = "ChannelsClusterTest";
  private static final List<String> SERVERS = List.of("a", "b", "c");
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final ChannelRetention KEEP = ChannelRetention.DEFAULT;

  @TempDir static Path homes;
  private final Map<String, Integer> ports = new HashMap<>();
  private final Map<String, ActorTestKit> kits = new HashMap<>();
  private final Map<String, ChannelHub> hubs = new HashMap<>();

  /**
   * Servers each node treats as unreachable on top of what Pekko says: the partition drill cuts a
   * node off in the nodes' views (its own and the others'), so that each side acts on it as on a
   * real partition.
   */
  private final Map<String, Set<String>> cut = new java.util.concurrent.ConcurrentHashMap<>();

  /** How often each node has read its view (once per heartbeat). */
  private final Map<String, AtomicInteger> viewsRead =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** What one subscriber received, in order. */
  static final class Collected implements ChannelSink {
    final List<String> ids = new ArrayList<>();
    final List<String> data = new ArrayList<>();
    final AtomicInteger resets = new AtomicInteger();

    @Override
    public synchronized void onMessage(String id, byte[] bytes) {
      ids.add(id);
      data.add(new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public void onReset() {
      resets.incrementAndGet();
    }

    @Override
    public void onClosed(String reason) {}

    synchronized List<String> ids() {
      return List.copyOf(ids);
    }

    synchronized List<String> data() {
      return List.copyOf(data);
    }
  }

  @BeforeAll
  void formCluster() throws IOException {
    for (String s : SERVERS) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        ports.put(s, socket.getLocalPort());
      }
    }
    for (String s : SERVERS) {
      start(s);
    }
    awaitUp(Set.copyOf(SERVERS));
  }

  @AfterAll
  void stopAll() {
    kits.values().forEach(ActorTestKit::shutdownTestKit);
  }

  private Config config(String server) {
    List<String> seeds =
        SERVERS.stream()
            .map(s -> "\"pekko://" + SYSTEM + "@127.0.0.1:" + ports.get(s) + "\"")
            .toList();
    return ConfigFactory.parseString(
            """
            pekko.actor.provider = cluster
            pekko.remote.artery.transport = tcp
            pekko.remote.artery.canonical.hostname = 127.0.0.1
            pekko.remote.artery.canonical.port = %d
            pekko.cluster.roles = ["server-%s"]
            pekko.cluster.multi-data-center.self-data-center = "%s"
            pekko.cluster.seed-nodes = [%s]
            pekko.cluster.seed-node-timeout = 1s
            pekko.cluster.retry-unsuccessful-join-after = 1s
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            pekko.coordinated-shutdown.exit-jvm = off
            # a node that stops here dies as a killed one does: without leaving the cluster
            pekko.coordinated-shutdown.run-by-actor-system-terminate = off
            pekko.loglevel = WARNING
            tako.channels.heartbeat = 300ms
            tako.channels.publish-timeout = 10s
            """
                .formatted(ports.get(server), server, server, String.join(",", seeds)))
        .withFallback(ConfigFactory.parseResources(ChannelsClusterTest.class, "/tako-node.conf"))
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  private void start(String server) {
    ActorTestKit kit = ActorTestKit.create(SYSTEM, config(server));
    var system = kit.system();
    ChannelsSettings settings = ChannelsSettings.fromConfig(system.settings().config());
    ClusterView view = new ClusterView(system, Duration.ofSeconds(2));
    var node =
        kit.spawn(
            ChannelsNode.create(
                server,
                homes.resolve(server).resolve("history"),
                settings,
                (app, env) -> SERVERS,
                () -> {
                  viewsRead.computeIfAbsent(server, k -> new AtomicInteger()).incrementAndGet();
                  Set<String> up = new HashSet<>(view.upServers());
                  up.removeAll(cut.getOrDefault(server, Set.of()));
                  return up;
                }),
            "channels");
    kits.put(server, kit);
    hubs.put(server, new ClusterChannelHub(node, settings));
  }

  private void awaitUp(Set<String> servers) {
    for (String s : servers) {
      Awaitility.await()
          .atMost(WAIT)
          .until(
              () -> {
                var state = Cluster.get(kits.get(s).system()).state();
                long up = 0;
                for (var m : state.getMembers()) {
                  if (m.status() == MemberStatus.up()) {
                    up++;
                  }
                }
                return up >= servers.size() && state.getUnreachableDataCenters().isEmpty();
              });
    }
  }

  private static ChannelKey key(String channel) {
    return new ChannelKey("app", "prod", channel);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Publishes, trying again while the channel is unavailable (an owner moving), until WAIT. */
  private String publish(String server, String channel, String message) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try {
        return hubs.get(server)
            .publish(key(channel), KEEP, bytes(message))
            .toCompletableFuture()
            .get(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        Throwable cause =
            e.getCause() instanceof CompletionException ce ? ce.getCause() : e.getCause();
        if (!(cause instanceof ChannelUnavailableException) || System.nanoTime() > deadline) {
          throw new AssertionError("publish " + message + " on " + server + " failed", e);
        }
        Awaitility.await().pollDelay(Duration.ofMillis(200)).until(() -> true);
      }
    }
  }

  private static void awaitCount(Collected sink, int n) {
    Awaitility.await().atMost(WAIT).until(() -> sink.ids().size() >= n);
  }

  @Test
  @Order(1)
  void everyNodeDeliversEveryMessageOnceInOneOrder() {
    Map<String, Collected> sinks = new HashMap<>();
    for (String s : SERVERS) {
      Collected sink = new Collected();
      sinks.put(s, sink);
      hubs.get(s).subscribe(key("order"), KEEP, null, sink);
    }
    // subscriptions are taken in the background: the first message proves them in place everywhere
    publish("a", "order", "warm-up");
    sinks.values().forEach(sink -> awaitCount(sink, 1));

    List<CompletableFuture<String>> published = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      for (String s : SERVERS) {
        String message = s + "-" + i;
        published.add(CompletableFuture.supplyAsync(() -> publish(s, "order", message)));
      }
    }
    Set<String> ids = new HashSet<>();
    published.forEach(f -> ids.add(f.join()));
    sinks.values().forEach(sink -> awaitCount(sink, 31));

    List<String> order = sinks.get("a").ids();
    assertEquals(31, order.size());
    for (String s : SERVERS) {
      assertEquals(order, sinks.get(s).ids(), "order on " + s);
      assertEquals(sinks.get("a").data(), sinks.get(s).data(), "messages on " + s);
    }
    for (int i = 1; i < order.size(); i++) {
      assertTrue(order.get(i - 1).compareTo(order.get(i)) < 0, "ids sort as delivered: " + order);
    }
    assertTrue(order.containsAll(ids), "every answered id was delivered");
    assertEquals(31, new HashSet<>(order).size(), "each message once");
  }

  @Test
  @Order(2)
  void aDeadOwnersSuccessorContinuesWithoutGapsAndTheOwnerComesBackWithItsHistory() {
    String channel = "failover";
    int n = 0;
    while (!OwnerChoice.owner("app/prod/" + channel, SERVERS, Set.copyOf(SERVERS))
        .orElseThrow()
        .equals("b")) {
      channel = "failover-" + ++n;
    }
    Collected onA = new Collected();
    Collected onC = new Collected();
    hubs.get("a").subscribe(key(channel), KEEP, null, onA);
    hubs.get("c").subscribe(key(channel), KEEP, null, onC);
    publish("a", channel, "warm-up");
    awaitCount(onA, 1);
    awaitCount(onC, 1);
    for (int i = 1; i <= 4; i++) {
      publish(i % 2 == 0 ? "a" : "c", channel, "before-" + i);
    }
    awaitCount(onA, 5);
    awaitCount(onC, 5);

    // the owner dies (no leave): the others find it unreachable and one of them takes over
    kits.remove("b").shutdownTestKit();
    hubs.remove("b");
    for (int i = 1; i <= 5; i++) {
      publish(i % 2 == 0 ? "a" : "c", channel, "after-" + i);
    }
    awaitCount(onA, 10);
    awaitCount(onC, 10);
    assertEquals(onA.ids(), onC.ids());
    List<String> expected = new ArrayList<>(List.of("warm-up"));
    for (int i = 1; i <= 4; i++) {
      expected.add("before-" + i);
    }
    for (int i = 1; i <= 5; i++) {
      expected.add("after-" + i);
    }
    assertEquals(expected, onA.data(), "nothing lost or reordered by the handover");
    for (int i = 0; i < 10; i++) {
      assertEquals(i + 1, MessageIds.seqOf(onA.ids().get(i)), "no gap: " + onA.ids());
    }

    // b restarts with its history on disk and catches up, in order
    start("b");
    awaitUp(Set.copyOf(SERVERS));
    Collected onB = new Collected();
    hubs.get("b").subscribe(key(channel), KEEP, onA.ids().get(0), onB);
    awaitCount(onB, 9);
    assertEquals(onA.ids().subList(1, 10), onB.ids().subList(0, 9));
    assertEquals(0, onB.resets.get(), "a known id replays without a reset");

    // and publishing works from every node again
    String id = publish("b", channel, "back");
    awaitCount(onA, 11);
    assertEquals(id, onA.ids().get(10));
    awaitCount(onB, 10);
    assertEquals(onA.ids().subList(1, 11), onB.ids());
  }

  @Test
  @Order(3)
  void duringAPartitionOnlyTheMajorityPublishesAndTheMinorityCatchesUpInOrder() {
    String channel = "partition";
    Map<String, Collected> sinks = new HashMap<>();
    for (String s : SERVERS) {
      Collected sink = new Collected();
      sinks.put(s, sink);
      hubs.get(s).subscribe(key(channel), KEEP, null, sink);
    }
    publish("a", channel, "warm-up");
    sinks.values().forEach(sink -> awaitCount(sink, 1));

    // c is cut off from a and b, and they from it
    cut.put("c", Set.of("a", "b"));
    cut.put("a", Set.of("c"));
    cut.put("b", Set.of("c"));
    // every node acts on the cut from its next heartbeat on
    Map<String, Integer> readBefore = new HashMap<>();
    SERVERS.forEach(s -> readBefore.put(s, viewsRead.get(s).get()));
    Awaitility.await()
        .atMost(WAIT)
        .until(() -> SERVERS.stream().allMatch(s -> viewsRead.get(s).get() > readBefore.get(s)));
    // until c's view has caught up with the cut, a publish there may still go through
    List<String> beforeTheCut = new ArrayList<>();
    AtomicInteger attempt = new AtomicInteger();
    Awaitility.await()
        .atMost(WAIT)
        .until(
            () -> {
              String message = "from-c-" + attempt.incrementAndGet();
              try {
                hubs.get("c")
                    .publish(key(channel), KEEP, bytes(message))
                    .toCompletableFuture()
                    .get(20, TimeUnit.SECONDS);
                beforeTheCut.add(message);
                return false;
              } catch (Exception e) {
                return e.getCause() instanceof ChannelUnavailableException u
                    && u.retryAfterSeconds() >= 1;
              }
            });
    int base = 1 + beforeTheCut.size();
    for (int i = 1; i <= 5; i++) {
      publish(i % 2 == 0 ? "a" : "b", channel, "majority-" + i);
    }
    awaitCount(sinks.get("a"), base + 5);
    awaitCount(sinks.get("b"), base + 5);
    assertTrue(sinks.get("c").ids().size() <= base, "the cut-off side gets nothing new meanwhile");

    // heal: c catches up, in the same order, and publishes again
    cut.clear();
    awaitCount(sinks.get("c"), base + 5);
    assertEquals(sinks.get("a").ids(), sinks.get("c").ids().subList(0, base + 5));
    publish("c", channel, "healed");
    for (String s : SERVERS) {
      awaitCount(sinks.get(s), base + 6);
    }
    assertEquals(sinks.get("a").ids(), sinks.get("c").ids());
    assertEquals(sinks.get("a").ids(), sinks.get("b").ids());
    List<String> data = sinks.get("c").data();
    assertEquals("healed", data.get(base + 5));
    for (int i = 1; i <= attempt.get(); i++) {
      String message = "from-c-" + i;
      assertEquals(
          beforeTheCut.contains(message) ? 1 : 0,
          data.stream().filter(message::equals).count(),
          "a publish answered 503 on the cut-off side never appears: " + message);
    }
  }
}
