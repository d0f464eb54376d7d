package dev.tako.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Map;

/**
 * The journal and snapshot store a node's {@link NodeLedger} writes to: this node's own LevelDB
 * journal (native leveldbjni, fsync on) and local snapshot files. The node merges this into its
 * configuration; keeping the choice here keeps it out of code elsewhere.
 *
 * <p>LevelDB is only sound because no persistence id ever moves between nodes (the ledger's id
 * contains the server name). A directory that cannot be opened (locked by another process, not
 * writable) fails the ledger at its first recovery, not here.
 */
public final class LedgerJournal {

  private LedgerJournal() {}

  /** Journal in {@code journalDir}, snapshots in {@code snapshotDir}; both created on first use. */
  public static Config config(Path journalDir, Path snapshotDir) {
    return ConfigFactory.parseMap(
        Map.of(
            "pekko.persistence.journal.plugin", "pekko.persistence.journal.leveldb",
            "pekko.persistence.journal.leveldb.dir", journalDir.toAbsolutePath().toString(),
            "pekko.persistence.journal.leveldb.native", "on",
            "pekko.persistence.journal.leveldb.fsync", "on",
            "pekko.persistence.snapshot-store.plugin", "pekko.persistence.snapshot-store.local",
            "pekko.persistence.snapshot-store.local.dir", snapshotDir.toAbsolutePath().toString()),
        "tako ledger journal");
  }
}
