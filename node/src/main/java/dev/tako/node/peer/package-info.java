/**
 * The node-to-node listener: one mutual-TLS HTTP endpoint per node, its certificate from the
 * cluster CA (the same files as Artery's), trusting nothing but that CA. Large bytes between nodes
 * go here, never through Artery messages, so a release fetched by a catching-up server cannot delay
 * the cluster's own traffic: artifacts ({@link dev.tako.node.peer.PeerRoutes}, fetched by {@link
 * dev.tako.node.peer.PeerClient} with their SHA-256 checked); a node offering a release names its
 * listener's address ({@link dev.tako.node.peer.PeerAddress}). Uses the artifact store and the
 * node's TLS files; knows nothing of deploys.
 */
package dev.tako.node.peer;
