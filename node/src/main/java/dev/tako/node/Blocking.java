package dev.tako.node;

import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;

/**
 * The node's dispatcher for blocking work (files, processes, keys): {@code
 * tako.blocking-dispatcher} in reference.conf. Actors hand such work to it and take the result back
 * with {@code pipeToSelf}, so no actor thread ever waits on I/O.
 */
public final class Blocking {
  private Blocking() {}

  public static Executor executor(ActorSystem<?> system) {
    return system.dispatchers().lookup(DispatcherSelector.fromConfig("tako.blocking-dispatcher"));
  }
}
