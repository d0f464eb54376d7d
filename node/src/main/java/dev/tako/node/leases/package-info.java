/**
 * The deploy lock of an app/env: {@link dev.tako.node.leases.Leases} (pure, time passed in), the
 * NodeAgent's {@link dev.tako.node.leases.LeaseDesk} and {@code GET /v1/lock}, which a CLI asks
 * before it builds. May use the root package, {@code api} and {@code cluster}.
 */
package dev.tako.node.leases;
