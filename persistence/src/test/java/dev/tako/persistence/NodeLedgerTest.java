package dev.tako.persistence;

import static dev.tako.persistence.LedgerFixtures.release;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.persistence.NodeLedger.AppState;
import dev.tako.persistence.NodeLedger.ReleaseRecord;
import dev.tako.persistence.NodeLedger.State;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeLedgerTest {

  @JUnit5TestKit
  ActorTestKit testKit =
      new JUnit5TestKitBuilder()
          .withCustomConfig(LedgerFixtures.CBOR.withFallback(EventSourcedBehaviorTestKit.config()))
          .build();

  private EventSourcedBehaviorTestKit<NodeLedger.Command, NodeLedger.Event, State> ledger;

  @BeforeEach
  void setUp() {
    ledger =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            NodeLedger.create("la"),
            EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyEquality(true));
    ledger.clear();
  }

  private void record(ReleaseRecord record) {
    var result = ledger.<Done>runCommand(r -> new NodeLedger.RecordRelease(record, r));
    assertEquals(Done.getInstance(), result.reply());
  }

  private StatusReply<Done> activate(String app, String env, String id) {
    return ledger
        .<StatusReply<Done>>runCommand(r -> new NodeLedger.Activate(app, env, id, r))
        .reply();
  }

  private StatusReply<Done> setDesired(String app, String env, int desired) {
    return ledger
        .<StatusReply<Done>>runCommand(r -> new NodeLedger.SetDesired(app, env, desired, r))
        .reply();
  }

  private AppState app(String app, String env) {
    return ledger.getState().app(app, env).orElseThrow();
  }

  @Test
  void recordsActivatesScalesAndRemoves() {
    record(release("web", "prod", "r1", 2));
    AppState web = app("web", "prod");
    assertEquals(List.of("r1"), web.releases().stream().map(ReleaseRecord::id).toList());
    assertNull(web.current());
    assertEquals(0, web.effectiveDesired());

    assertTrue(activate("web", "prod", "r1").isSuccess());
    assertEquals("r1", app("web", "prod").current());
    assertEquals(2, app("web", "prod").effectiveDesired());

    assertTrue(setDesired("web", "prod", 5).isSuccess());
    record(release("web", "prod", "r2", 3));
    assertTrue(activate("web", "prod", "r2").isSuccess());
    AppState scaled = app("web", "prod");
    assertEquals("r2", scaled.currentRelease().orElseThrow().id());
    assertEquals(5, scaled.effectiveDesired(), "a scale override survives a deploy");

    var removed = ledger.<Done>runCommand(r -> new NodeLedger.RemoveApp("web", "prod", r));
    assertEquals(Done.getInstance(), removed.reply());
    assertTrue(ledger.getState().app("web", "prod").isEmpty());
  }

  @Test
  void stateSurvivesRestart() {
    record(release("web", "prod", "r1", 2));
    activate("web", "prod", "r1");
    setDesired("web", "prod", 4);
    record(release("api", "staging", "r9", 1));
    State before = ledger.getState();

    assertEquals(before, ledger.restart().state());
  }

  @Test
  void recordingAKnownReleaseIsIdempotent() {
    record(release("web", "prod", "r1", 2));
    var again =
        ledger.<Done>runCommand(
            r -> new NodeLedger.RecordRelease(release("web", "prod", "r1", 2), r));
    assertEquals(Done.getInstance(), again.reply());
    assertTrue(again.hasNoEvents());
    assertEquals(1, app("web", "prod").releases().size());
  }

  @Test
  void activatingAnUnknownReleaseIsAnError() {
    StatusReply<Done> unknownApp = activate("web", "prod", "r1");
    assertTrue(unknownApp.isError());

    record(release("web", "prod", "r1", 2));
    StatusReply<Done> unknownRelease = activate("web", "prod", "r2");
    assertTrue(unknownRelease.isError());
    assertTrue(unknownRelease.getError().getMessage().contains("r2"));
    assertNull(app("web", "prod").current());
  }

  @Test
  void scalingAnUnknownAppIsAnError() {
    assertTrue(setDesired("web", "prod", 3).isError());
    record(release("web", "prod", "r1", 2));
    assertTrue(setDesired("web", "prod", -1).isError());
    assertTrue(ledger.getState().app("web", "prod").orElseThrow().desired() == null);
  }

  @Test
  void keepsTheLastTenReleasesAndNeverTheCurrentOrPrevious() {
    record(release("web", "prod", "r1", 1));
    record(release("web", "prod", "r2", 1));
    activate("web", "prod", "r2");
    for (int i = 3; i <= 14; i++) {
      record(release("web", "prod", "r" + i, 1));
    }
    List<String> ids = app("web", "prod").releases().stream().map(ReleaseRecord::id).toList();
    assertEquals(10, ids.size());
    assertEquals(List.of("r1", "r2", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14"), ids);

    activate("web", "prod", "r14");
    record(release("web", "prod", "r15", 1));
    ids = app("web", "prod").releases().stream().map(ReleaseRecord::id).toList();
    assertEquals(List.of("r2", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"), ids);
    assertFalse(ids.contains("r1"));
  }

  @Test
  void appsAreIndependent() {
    record(release("web", "prod", "r1", 1));
    record(release("web", "staging", "r1", 1));
    activate("web", "staging", "r1");
    assertNull(app("web", "prod").current());
    assertEquals("r1", app("web", "staging").current());
    assertEquals(2, ledger.getState().apps().size());
  }

  private List<EnvHead> recordHeads(EnvHead... heads) {
    return ledger
        .<NodeLedger.HeadsChanged>runCommand(r -> new NodeLedger.RecordHeads(List.of(heads), r))
        .reply()
        .changed();
  }

  @Test
  void keepsTheGreaterHeadAndTheAppliedOneAcrossARestart() {
    EnvHead first = EnvHeadTest.head("r1", 1, 10, "la");
    EnvHead second = EnvHeadTest.head("r2", 2, 5, "nyc");
    assertEquals(List.of(first), recordHeads(first));
    assertEquals(List.of(second), recordHeads(first, second));
    assertEquals(List.of(), recordHeads(first), "an older head changes nothing");
    var older =
        ledger.<NodeLedger.HeadsChanged>runCommand(
            r -> new NodeLedger.RecordHeads(List.of(first), r));
    assertTrue(older.hasNoEvents());
    assertEquals(second, ledger.getState().head("web", "prod"));

    ledger.<Done>runCommand(r -> new NodeLedger.MarkApplied(second, r));
    var back = ledger.<Done>runCommand(r -> new NodeLedger.MarkApplied(first, r));
    assertTrue(back.hasNoEvents(), "applied never goes back");
    assertEquals(second, ledger.getState().appliedHead("web", "prod"));

    State before = ledger.getState();
    assertEquals(before, ledger.restart().state());
  }
}
