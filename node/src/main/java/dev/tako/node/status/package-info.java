/**
 * {@code tako status}: one server's apps ({@link dev.tako.node.status.ServerStatusReport}) and the
 * cluster's, with stale answers marked ({@link dev.tako.node.status.ClusterStatus}), and each
 * member's JavaScript runtimes ({@link dev.tako.node.status.Runtimes}), behind {@code GET
 * /v1/status}. May use the root package, {@code api}, {@code cluster}, persistence's state and the
 * supervisor's status.
 */
package dev.tako.node.status;
