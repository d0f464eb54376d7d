package dev.tako.node.converge;

import dev.tako.protocol.CborSerializable;
import dev.tako.protocol.api.DeployRequest;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The answers one node's {@link Convergence} gives another's (the requests are its commands). They
 * travel over Artery, that is the cluster's mutual TLS: never through the CLI or the laptop. An
 * artifact's bytes go over the node-to-node listener ({@code dev.tako.node.peer}) instead.
 */
public final class PeerMessages {
  private PeerMessages() {}

  /** Whether a peer holds a release's artifact and record (so it can offer it). */
  public record Holds(String server, boolean holds, ActorRef<Convergence.Command> peer)
      implements CborSerializable {}

  /**
   * A release offered by a peer: its recorded deploy request and where its node-to-node listener
   * serves the artifact's bytes ({@code host:port}; large bytes never travel in Artery messages),
   * or an error (it no longer has it).
   */
  public record ArtifactOffer(String server, DeployRequest request, String fetchFrom, String error)
      implements CborSerializable {}

  /**
   * A peer's secrets of an app/env, opened by its node key for this node to seal under its own.
   * Over Artery's mutual TLS only; its toString never shows the values.
   */
  public record SecretsCopy(String server, Map<String, String> values, String digest, String error)
      implements CborSerializable {
    public SecretsCopy {
      values = values == null ? Map.of() : Map.copyOf(values);
    }

    @Override
    public String toString() {
      return "SecretsCopy[" + server + ", " + values.size() + " value(s), " + digest + "]";
    }
  }
}
