/**
 * The OS processes of this node's apps: one {@link dev.tako.supervisor.AppSupervisor} per app/env
 * (its deploy candidate, scale and scale to zero, restarts, drain and stop), one {@link
 * dev.tako.supervisor.Instance} per process (launch, readiness and health probes, SIGTERM/SIGKILL,
 * log capture into rotating files), and the pure policies they apply ({@code ScalePolicy}, {@code
 * IdlePolicy}, {@code ReplacementPolicy}, {@link dev.tako.supervisor.RestartPolicy}, {@link
 * dev.tako.supervisor.HealthTracker}). It may use {@code protocol} (for the status view and the
 * CBOR marker) and Pekko typed actors; it knows neither the proxy nor the node, which adapts its
 * endpoint events into routes.
 */
package dev.tako.supervisor;
