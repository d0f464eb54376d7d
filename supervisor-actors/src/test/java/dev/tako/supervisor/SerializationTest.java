package dev.tako.supervisor;

import com.typesafe.config.ConfigFactory;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The replies a node may forward to another node survive Jackson CBOR. */
class SerializationTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(
          ConfigFactory.parseString(
              "pekko.actor.serialization-bindings {"
                  + " \"dev.tako.protocol.CborSerializable\" = jackson-cbor }"));
  private static final SerializationTestKit serialization =
      new SerializationTestKit(testKit.system());

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void repliesRoundTrip() {
    Endpoint endpoint = new Endpoint("127.0.0.1", 20001, "abcd1234");
    serialization.verifySerialization(
        new AppSupervisor.CandidateReady("r1", List.of(endpoint)), true);
    serialization.verifySerialization(
        new AppSupervisor.CandidateFailed("r1", "exited with code 3", 3, List.of("boom")), true);
    serialization.verifySerialization(
        new AppSupervisor.EndpointsChanged("hello", "production", "r1", List.of(endpoint)), true);
    serialization.verifySerialization(
        new AppSupervisor.AppStatus(
            "r1",
            1,
            List.of(
                new AppSupervisor.InstanceStatus(
                    "abcd1234",
                    42L,
                    20001,
                    InstanceState.FAILED,
                    false,
                    3,
                    "r1",
                    Instant.parse("2026-01-01T00:00:00Z"),
                    7,
                    "exited with code 7",
                    List.of("boom")))),
        true);
  }
}
