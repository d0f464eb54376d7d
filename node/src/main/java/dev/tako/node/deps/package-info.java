/**
 * An app's JavaScript dependencies on this server (SPEC §10): the production install of a release
 * into a directory shared by the releases with the same install key, its log lines, and the pruning
 * of install directories no release uses. Blocking file and process work, run by the deploy's steps
 * on the blocking dispatcher; uses the pure rules of {@code protocol.deps}.
 */
package dev.tako.node.deps;
