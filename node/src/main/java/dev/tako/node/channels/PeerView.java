package dev.tako.node.channels;

import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The cluster as this node's channels see it now: this server, the servers it holds up and
 * reachable (itself included) and each server's channels actor.
 */
record PeerView(
    String self, Set<String> reachable, Map<String, ActorRef<ChannelsNode.Command>> refs) {
  PeerView {
    reachable = Set.copyOf(reachable);
    refs = Map.copyOf(refs);
  }

  ActorRef<ChannelsNode.Command> ref(String server) {
    return refs.get(server);
  }
}
