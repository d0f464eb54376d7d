/**
 * {@code tako scale}: the per-server cap ({@link dev.tako.node.scale.ScalePolicy}) and {@code POST
 * /v1/scale}. May use the root package, {@code api} and {@code cluster}.
 */
package dev.tako.node.scale;
