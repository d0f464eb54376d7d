/**
 * Channels, the cluster side (SPEC §13): every message of a channel reaches every server of the
 * app's environment once, in one order that is the same everywhere, and stays replayable for the
 * channel's retention, without a database. The proxy serves subscribers and visitors' publishes
 * through {@link dev.tako.proxy.channels.ChannelHub}; apps publish on this node's loopback {@link
 * dev.tako.node.channels.PublishEndpoint}.
 *
 * <h2>Design, and why</h2>
 *
 * <ul>
 *   <li><b>One owner per channel.</b> One order across regions needs one place that decides it.
 *       Pekko offers none that fits: Cluster Sharding runs per data center in multi-DC mode (each
 *       region would order on its own), and Distributed Data and pub-sub are eventually consistent
 *       and at most once. So the owner is ours: {@link dev.tako.node.channels.OwnerChoice} picks it
 *       by rendezvous hashing among the environment's servers (the servers of its current release,
 *       from the ledger's heads) that this node holds up and reachable. Every node that sees the
 *       same servers picks the same owner, and channels spread over the servers.
 *   <li><b>Majority before delivery.</b> The owner gives a message its place and id, sends it to
 *       every server of the environment at once (one copy per server, so per region, never per
 *       subscriber: each server fans out to its own subscribers), and counts it committed once a
 *       majority of the environment's servers (itself included) stored it. Only committed messages
 *       are answered to the publisher and delivered to subscribers, anywhere.
 *   <li><b>Handover that loses nothing.</b> When the owner dies or is cut off, the next one by
 *       {@link dev.tako.node.channels.OwnerChoice} takes a {@link dev.tako.node.channels.Ballot}
 *       greater than any it saw and asks every server to promise it (a replica then refuses older
 *       owners: that fences the old one). With promises from a majority it continues from the most
 *       complete log among them (last entry stamped by the latest owner, then longest), fetched
 *       from that server when it is not its own, and stamps that tail with its ballot before it
 *       assigns anything new. Every committed message lies on a majority, and any two majorities
 *       meet, so the new owner continues after the last id any subscriber could have seen. This is
 *       the Raft/Viewstamped-Replication rule with the leader chosen by the membership instead of
 *       an election: the membership (Pekko's reachability per region) already exists on every node.
 *   <li><b>Partitions.</b> A node that reaches no majority of the environment's servers has no
 *       owner for any channel: publishes there answer 503 with Retry-After ({@code
 *       tako.channels.retry-after}); subscribers stay connected and get nothing new. The side with
 *       the majority keeps publishing. After the heal, the owner finds the lagging servers behind
 *       (it keeps each server's last matching place) and sends what they miss in order, in batches,
 *       on every heartbeat; a server behind the owner's retention starts over at the owner's oldest
 *       message and its subscribers get a reset first.
 *   <li><b>Ids.</b> {@code EEEEEEEE-SSSSSSSSSSSS}: the creating owner's ballot number and the
 *       message's place, zero-padded, so ids sort in the channel's order and are the same on every
 *       server ({@link dev.tako.node.channels.MessageIds}).
 *   <li><b>History on disk.</b> Each server keeps each channel's log in a file of its own under
 *       {@code <home>/channels/history/} ({@link dev.tako.node.channels.ChannelFile}): an append
 *       only record of changes, replayed at start, rewritten when it outgrows the retained log.
 *       Messages are many and short-lived; a file per channel bounded by the retention is simpler
 *       and cheaper than journal events deleted behind snapshots in the node's LevelDB. A replay
 *       ({@code Last-Event-ID}, {@code ?since=}) reads the local log: gap-free after an id within
 *       the retention, a reset first for an older or unknown id.
 *   <li><b>Slow subscribers</b> are the proxy's: the sinks here never block and each gets its
 *       messages from one actor, in order.
 *   <li><b>Limits.</b> {@code tako.channels.max-channels}: a subscribe or publish on this node that
 *       would open one more channel is refused (503); replication from peers is always taken, since
 *       the environment's order depends on it.
 * </ul>
 *
 * <p>Messages between nodes are Jackson CBOR over Artery (the cluster's mutual TLS), each at most
 * one 64 KiB message or a batch below 160 KiB. May use the node's settings, cluster view and
 * ledger, the proxy's channel contract and Pekko HTTP (the publish endpoint only).
 */
package dev.tako.node.channels;
