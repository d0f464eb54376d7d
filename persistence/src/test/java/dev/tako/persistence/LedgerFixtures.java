package dev.tako.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tako.protocol.api.DeployRequest;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/** Releases and configuration shared by the ledger tests. */
final class LedgerFixtures {

  /** The serialization binding the node uses. */
  static final Config CBOR =
      ConfigFactory.parseString(
          "pekko.actor.serialization-bindings {\n"
              + "  \"dev.tako.protocol.CborSerializable\" = jackson-cbor\n"
              + "}\n");

  private LedgerFixtures() {}

  /** The node's journal and snapshot store in {@code dir}'s journal/ and snapshots/, with CBOR. */
  static Config onDisk(Path dir) {
    return CBOR.withFallback(
        LedgerJournal.config(dir.resolve("journal"), dir.resolve("snapshots")));
  }

  /**
   * Copies the classpath folder {@code resource} into {@code to}: LevelDB rewrites its folder on
   * open, and resources stay untouched.
   */
  static void copyResource(String resource, Path to) throws IOException, URISyntaxException {
    Path from =
        Path.of(
            Objects.requireNonNull(
                    LedgerFixtures.class.getResource(resource), "test resource " + resource)
                .toURI());
    Files.createDirectories(to);
    List<Path> files;
    try (Stream<Path> listing = Files.list(from)) {
      files = listing.toList();
    }
    for (Path f : files) {
      Files.copy(f, to.resolve(f.getFileName().toString()));
    }
  }

  /**
   * The state a ledger of {@code server} recovers from the journal and snapshots in {@code dir}.
   */
  static NodeLedger.State recover(Path dir, String server) {
    org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit kit =
        org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit.create(
            "ledger-recovery", onDisk(dir));
    try {
      return PreviousLayoutFixture.get(kit, kit.spawn(NodeLedger.create(server)));
    } finally {
      kit.shutdownTestKit();
    }
  }

  static NodeLedger.ReleaseRecord release(String app, String env, String id, int instances) {
    DeployRequest request =
        new DeployRequest(
            app,
            env,
            id,
            "a".repeat(64),
            List.of("bin/server", "--port", "$PORT"),
            "/health",
            instances,
            "5m",
            null,
            Map.of("MODE", "prod"),
            List.of(app + ".example.com"),
            List.of("la", "nyc"),
            "atomic",
            null,
            "auto",
            null,
            null,
            "ada@laptop",
            "2025-01-01T00:00:00Z");
    return new NodeLedger.ReleaseRecord(id, request, "2025-01-01T00:00:00Z", "ada@laptop");
  }
}
