package dev.tako.persistence;

import static dev.tako.persistence.LedgerFixtures.release;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.tako.protocol.crypto.SecretBox;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The journal's format as a newer or older node meets it, through the serializer the node binds
 * (Jackson CBOR): property names pinned, unknown properties ignored, missing ones defaulted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LedgerJournalFormatTest {

  private static final CBORMapper CBOR = new CBORMapper();
  private static final NodeLedger.ReleaseRecorded RECORDED =
      new NodeLedger.ReleaseRecorded(release("web", "prod", "r1", 2));

  private final ActorTestKit kit = ActorTestKit.create("ledger-format", LedgerFixtures.CBOR);
  private final Serialization serialization =
      SerializationExtension.get(kit.system().classicSystem());

  @AfterAll
  void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void theJournalsPropertyNamesArePinned() throws Exception {
    JsonNode event = tree(RECORDED);
    assertEquals(List.of("record"), names(event));
    assertEquals(List.of("id", "request", "created", "by"), names(event.get("record")));
    assertEquals(
        List.of(
            "app",
            "env",
            "release",
            "artifactSha256",
            "start",
            "health",
            "instances",
            "idleTimeout",
            "releaseCommand",
            "vars",
            "routes",
            "servers",
            "strategy",
            "canary",
            "tls",
            "acmeEmail",
            "acmeDirectory",
            "by",
            "created",
            "channels"),
        names(event.get("record").get("request")));

    JsonNode secrets =
        tree(
            new NodeLedger.SecretsSet(
                "web",
                "prod",
                SealedValue.ofAll(Map.of("K", new SecretBox.Sealed("n", "c"))),
                "d"));
    assertEquals(List.of("app", "env", "sealed", "digest"), names(secrets));
    assertEquals(List.of("nonce", "ct"), names(secrets.get("sealed").get("K")));

    NodeLedger.State state =
        NodeLedger.State.empty()
            .with(
                new NodeLedger.AppState(
                    "web", "prod", List.of(release("web", "prod", "r1", 2)), "r1", 3))
            .withSecrets("web", "prod", new NodeLedger.Secrets(Map.of(), "d"))
            .withHead(EnvHeadTest.head("r1", 1, 10, "la"))
            .withApplied(EnvHeadTest.head("r1", 1, 10, "la"));
    JsonNode snapshot = tree(state);
    assertEquals(List.of("apps", "secrets", "heads", "applied"), names(snapshot));
    assertEquals(
        List.of(
            "app",
            "env",
            "release",
            "artifactSha256",
            "servers",
            "generation",
            "decidedAtMillis",
            "decidedBy",
            "kind",
            "secretsDigest"),
        names(snapshot.get("heads").get("web/prod")));
    assertEquals(
        List.of("head"),
        names(tree(new NodeLedger.HeadRecorded(EnvHeadTest.head("r1", 1, 10, "la")))));
    assertEquals(
        List.of("app", "env", "releases", "current", "desired"),
        names(snapshot.get("apps").get("web/prod")));
    assertEquals(List.of("sealed", "digest"), names(snapshot.get("secrets").get("web/prod")));
    assertEquals(state, roundTrip(state, snapshot));
  }

  @Test
  void anEventWithAnAddedPropertyIsRead() throws Exception {
    NodeLedger.ReleaseRecorded event = RECORDED;
    ObjectNode json = (ObjectNode) tree(event);
    json.put("addedLater", "by a newer node");
    ((ObjectNode) json.get("record")).putObject("provenance").put("signedBy", "ci");
    ((ObjectNode) json.get("record").get("request")).putArray("sidecars").add("redis");
    assertEquals(event, roundTrip(event, json));

    NodeLedger.DesiredSet desired = new NodeLedger.DesiredSet("web", "prod", 4);
    ObjectNode desiredJson = (ObjectNode) tree(desired);
    desiredJson.put("reason", "autoscaler");
    assertEquals(desired, roundTrip(desired, desiredJson));
  }

  @Test
  void anEventWithoutANewerPropertyReadsItAsEmpty() throws Exception {
    NodeLedger.ReleaseRecorded event = RECORDED;
    ObjectNode json = (ObjectNode) tree(event);
    ((ObjectNode) json.get("record").get("request")).remove(List.of("vars", "routes", "canary"));
    NodeLedger.ReleaseRecorded read = (NodeLedger.ReleaseRecorded) roundTrip(event, json);
    assertEquals(Map.of(), read.record().request().vars());
    assertEquals(List.of(), read.record().request().routes());
    assertEquals(event.record().request().start(), read.record().request().start());
  }

  @Test
  void theWireRequestSurvivesTheJournalsType() {
    var request = PreviousLayoutFixture.request("api", "staging", "a1", 4);
    assertEquals(request, RecordedRelease.of(request).toRequest());
    NodeLedger.ReleaseRecord record = release("web", "prod", "r7", 3);
    assertEquals(
        record,
        new NodeLedger.ReleaseRecord(record.id(), record.request(), record.created(), record.by()));
  }

  @Test
  void channelsSurviveTheJournal() throws Exception {
    var request =
        PreviousLayoutFixture.request("api", "staging", "a1", 4)
            .withChannels(
                new dev.tako.protocol.config.ChannelsConfig(List.of("room-*"), "/auth", "1h", 50));
    RecordedRelease recorded = RecordedRelease.of(request);
    assertEquals(request, recorded.toRequest());
    RecordedRelease read = (RecordedRelease) roundTrip(recorded, tree(recorded));
    assertEquals(request, read.toRequest());
    // The journal's own property names, pinned.
    assertEquals("room-*", tree(recorded).get("channels").get("public").get(0).asText());
    assertEquals(50, tree(recorded).get("channels").get("retentionMessages").asInt());
  }

  private JsonNode tree(Object o) throws Exception {
    return CBOR.readTree(serialization.serialize(o).get());
  }

  /** Deserializes {@code json} as the journal would, under the manifest {@code like} gets. */
  private Object roundTrip(Object like, JsonNode json) throws Exception {
    Serializer serializer = serialization.findSerializerFor(like);
    String manifest = Serializers.manifestFor(serializer, like);
    return serialization
        .deserialize(CBOR.writeValueAsBytes(json), serializer.identifier(), manifest)
        .get();
  }

  private static List<String> names(JsonNode node) {
    List<String> out = new ArrayList<>();
    node.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
