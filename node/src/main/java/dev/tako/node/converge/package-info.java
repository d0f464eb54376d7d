/**
 * Convergence: every server of an environment ends on the environment's one current release, its
 * head ({@link dev.tako.persistence.EnvHead}), by itself. A successful deploy, rollback or secrets
 * sync decides a new head (generation one more than the highest known); nodes gossip heads over
 * Artery and keep the greatest by a pure rule (generation, then the coordinator's clock, then its
 * name), recorded in the node ledger so a restart keeps them; a server that serves something else
 * (it was down, cut off or skipped) catches up: it switches to the release if it holds it, or
 * fetches the artifact (a stream ref, SHA-256 checked) and the secrets from a peer over the
 * cluster's mutual TLS, never from the laptop, then starts, health-checks and switches with the
 * NodeAgent's own rollout steps. Gossip over the journal was chosen over Pekko Distributed Data,
 * whose durable store needs LMDB; heads are a few small records per app, so sending them whole on a
 * 5 s tick costs less than a digest exchange would save. May use the node's agent protocol, its
 * settings, the persistence module and Pekko Streams; nothing of the proxy.
 */
package dev.tako.node.converge;
