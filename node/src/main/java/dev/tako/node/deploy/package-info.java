/**
 * {@code tako deploy}: the {@link dev.tako.node.deploy.Rollout} coordinated from the node the CLI
 * reached (its {@link dev.tako.node.deploy.Strategy} batches and {@link
 * dev.tako.node.deploy.RolloutOutcome}), the steps each server runs ({@link
 * dev.tako.node.deploy.ReleaseSteps}, {@link dev.tako.node.deploy.ReleaseCommand}, the process
 * environment of a release) and the deploy route. May use the root package, {@code api}, {@code
 * leases} (the lock a rollout takes), {@code deps} (a release's dependency install), persistence
 * and the supervisor module.
 */
package dev.tako.node.deploy;
