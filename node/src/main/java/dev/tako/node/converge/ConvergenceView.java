package dev.tako.node.converge;

import dev.tako.persistence.EnvHead;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;

/**
 * What {@code tako status} shows of convergence on one server: the environment heads it knows and
 * the app/envs it is catching up on (keys "app/env"). Local only: the agent keeps the last one.
 *
 * @param heads the greatest head known per app/env
 * @param catchingUp the app/envs with a catch-up running or waiting to run
 */
public record ConvergenceView(Map<String, EnvHead> heads, Set<String> catchingUp)
    implements NoSerializationVerificationNeeded {
  public static final ConvergenceView NONE = new ConvergenceView(Map.of(), Set.of());

  public ConvergenceView {
    heads = Map.copyOf(heads);
    catchingUp = Set.copyOf(catchingUp);
  }
}
