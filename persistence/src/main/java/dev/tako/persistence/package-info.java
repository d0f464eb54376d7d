/**
 * What survives a restart on one node: the {@link dev.tako.persistence.NodeLedger} (apps, releases,
 * desired scale, secrets, the environments' heads of {@link dev.tako.persistence.EnvHead}) on this
 * node's own LevelDB journal ({@link dev.tako.persistence.LedgerJournal}), and the {@link
 * dev.tako.persistence.ArtifactStore} of artifacts and extracted releases on disk. The journal
 * holds only this package's records ({@link dev.tako.persistence.RecordedRelease}, {@link
 * dev.tako.persistence.SealedValue}, the ledger's events and state), with pinned property names, so
 * that {@code protocol}'s wire records can change without a journal migration; they are converted
 * at the ledger's boundary. May use {@code protocol}, Pekko Persistence, Jackson annotations and
 * LevelDB; nothing of the node, the supervisor or the proxy.
 */
package dev.tako.persistence;
