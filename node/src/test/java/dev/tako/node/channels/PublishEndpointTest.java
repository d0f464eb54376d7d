package dev.tako.node.channels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tako.node.cluster.ClusterView;
import dev.tako.proxy.channels.ChannelKey;
import dev.tako.proxy.channels.ChannelRetention;
import dev.tako.proxy.channels.ChannelSink;
import dev.tako.proxy.channels.ChannelUnavailableException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.Http;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apps' publish endpoint over real HTTP on a one-server cluster: ids for good publishes, the
 * documented errors for bad ones, and the variables an instance gets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublishEndpointTest {
  @TempDir static Path home;
  private ActorTestKit kit;
  private ClusterChannelHub hub;
  private PublishTokens tokens;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  void start() throws Exception {
    kit =
        ActorTestKit.create(
            "PublishEndpointTest",
            ConfigFactory.parseString(
                    """
                    pekko.actor.provider = cluster
                    pekko.remote.artery.transport = tcp
                    pekko.remote.artery.canonical.hostname = 127.0.0.1
                    pekko.remote.artery.canonical.port = 0
                    pekko.cluster.roles = ["server-solo"]
                    pekko.cluster.multi-data-center.self-data-center = "solo"
                    pekko.coordinated-shutdown.exit-jvm = off
                    pekko.loglevel = WARNING
                    tako.channels.max-channels = 2
                    """)
                .withFallback(
                    ConfigFactory.parseResources(PublishEndpointTest.class, "/tako-node.conf"))
                .withFallback(ConfigFactory.load())
                .resolve());
    var system = kit.system();
    Cluster.get(system).manager().tell(Join.create(Cluster.get(system).selfMember().address()));
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Cluster.get(system).selfMember().status() == MemberStatus.up());
    ChannelsSettings settings = ChannelsSettings.fromConfig(system.settings().config());
    ClusterView view = new ClusterView(system, Duration.ofSeconds(2));
    var node =
        kit.spawn(
            ChannelsNode.create(
                "solo",
                home.resolve("history"),
                settings,
                (app, env) -> List.of("solo"),
                () -> new HashSet<>(view.upServers()),
                open),
            "channels");
    hub = new ClusterChannelHub(node, settings, open);
    tokens = PublishTokens.start(home, 0);
    var binding =
        Http.get(system)
            .newServerAt("127.0.0.1", 0)
            .bind(
                new PublishEndpoint(system, hub, tokens, (a, e) -> ChannelRetention.DEFAULT)
                    ::handle)
            .toCompletableFuture()
            .get();
    port = binding.localAddress().getPort();
  }

  private int port;
  private final java.util.Set<String> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

  @AfterAll
  void stop() {
    kit.shutdownTestKit();
  }

  private HttpResponse<String> post(String path, String token, byte[] body) throws Exception {
    var request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anAppPublishesWithItsTokenAndGetsTheIdsInOrder() throws Exception {
    String token = tokens.token("shop", "prod");
    var first = post("/channels/shop/prod/news", token, "one".getBytes());
    var second = post("/channels/shop/prod/news", token, new byte[PublishEndpoint.MAX_MESSAGE]);
    assertEquals(200, first.statusCode(), first.body());
    assertEquals(200, second.statusCode(), second.body());
    String id1 = first.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
    String id2 = second.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
    assertTrue(id1.compareTo(id2) < 0, id1 + " before " + id2);

    // a subscriber replaying after the first id gets the second, whole
    ChannelsClusterTest.Collected sink = new ChannelsClusterTest.Collected();
    hub.subscribe(new ChannelKey("shop", "prod", "news"), ChannelRetention.DEFAULT, id1, sink);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> sink.ids().size() == 1);
    assertEquals(List.of(id2), sink.ids());
  }

  @Test
  void badPublishesGetTheErrorThatSaysWhatToDo() throws Exception {
    String token = tokens.token("shop", "prod");
    var none = post("/channels/shop/prod/news", null, "x".getBytes());
    assertEquals(401, none.statusCode());
    assertTrue(none.body().contains("TAKO_CHANNELS_TOKEN"), none.body());
    // a token is good for its own app/env only
    assertEquals(401, post("/channels/other/prod/news", token, "x".getBytes()).statusCode());
    assertEquals(401, post("/channels/shop/prod/news", token + "0", "x".getBytes()).statusCode());
    var badName = post("/channels/shop/prod/no%20spaces", token, "x".getBytes());
    assertEquals(400, badName.statusCode(), badName.body());
    var tooLong = post("/channels/shop/prod/" + "n".repeat(129), token, "x".getBytes());
    assertEquals(400, tooLong.statusCode());
    var tooBig = post("/channels/shop/prod/news", token, new byte[PublishEndpoint.MAX_MESSAGE + 1]);
    assertEquals(413, tooBig.statusCode(), tooBig.body());
  }

  @Test
  void beyondTheChannelLimitAPublishGets503WithRetryAfter() throws Exception {
    String token = tokens.token("limits", "prod");
    HttpResponse<String> last = null;
    for (String channel : List.of("l1", "l2", "l3", "l4")) {
      last = post("/channels/limits/prod/" + channel, token, "x".getBytes());
    }
    assertEquals(503, last.statusCode(), last.body());
    assertTrue(last.headers().firstValue("Retry-After").isPresent());
    assertTrue(last.body().contains("max-channels"), last.body());

    // A visitor's subscription beyond the limit is refused before its answer starts (a 503 at
    // the proxy); one to a channel the node holds is not.
    ChannelSink sink =
        new ChannelSink() {
          @Override
          public void onMessage(String id, byte[] data) {}

          @Override
          public void onReset() {}

          @Override
          public void onClosed(String reason) {}
        };
    ChannelUnavailableException refused =
        assertThrows(
            ChannelUnavailableException.class,
            () ->
                hub.subscribe(
                    new ChannelKey("limits", "prod", "l9"), ChannelRetention.DEFAULT, null, sink));
    assertTrue(refused.getMessage().contains("max-channels"), refused.getMessage());
    String held = open.iterator().next();
    ChannelKeys.Parsed parsed = ChannelKeys.parse(held);
    hub.subscribe(
            new ChannelKey(parsed.app(), parsed.env(), parsed.channel()),
            ChannelRetention.DEFAULT,
            null,
            sink)
        .cancel();
  }

  @Test
  void instancesGetTheUrlAndTokenOfTheirAppEnv() {
    Map<String, String> vars = PublishTokens.variables(home, "shop", "prod");
    assertEquals("http://127.0.0.1:0/channels/shop/prod", vars.get("TAKO_CHANNELS_URL"));
    assertEquals(tokens.token("shop", "prod"), vars.get("TAKO_CHANNELS_TOKEN"));
    assertTrue(!vars.get("TAKO_CHANNELS_TOKEN").equals(tokens.token("shop", "staging")));
    assertEquals(Map.of(), PublishTokens.variables(home.resolve("elsewhere"), "shop", "prod"));
  }
}
