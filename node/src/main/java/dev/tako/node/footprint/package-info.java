/**
 * What this node process costs: resident memory, heap, threads and CPU time ({@link
 * dev.tako.node.footprint.NodeFootprint}), shown in {@code /metrics} and per member in {@code tako
 * status}.
 */
package dev.tako.node.footprint;
