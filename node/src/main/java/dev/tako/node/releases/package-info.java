/**
 * {@code tako releases} and {@code tako rollback}: the release history merged across servers
 * ({@link dev.tako.node.releases.ReleaseHistory}), the target of a rollback ({@link
 * dev.tako.node.releases.RollbackTarget}), their routes, and pruning what the ledger no longer
 * keeps after a switch. May use the root package, {@code api}, {@code cluster}, {@code logs} and
 * {@code deps} (pruning) and persistence.
 */
package dev.tako.node.releases;
