/**
 * {@code tako logs}: reading this node's log files ({@link dev.tako.node.logs.LogReader}, {@link
 * dev.tako.node.logs.LocalLogs}), merging every server's lines ({@link
 * dev.tako.node.logs.ClusterLogs}) behind {@code GET /v1/logs}, and deleting old instances' logs
 * ({@link dev.tako.node.logs.LogRetention}, {@link dev.tako.node.logs.LogPruning}). May use the
 * root package, {@code api}, {@code cluster} and persistence's file layout.
 */
package dev.tako.node.logs;
