package dev.tako.node.dev;

import dev.tako.supervisor.AppSupervisor;
import dev.tako.supervisor.ReleaseSpec;
import dev.tako.supervisor.SupervisorSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Runs the one instance of the app under {@code tako dev}, through the nodes' own {@link
 * AppSupervisor} (the §4 environment, health checks, restart with backoff, SIGTERM to the process
 * tree, SIGKILL after the grace time). Each {@link Run} is a new generation: the running one is
 * stopped completely first, then the new one starts, so a dev server never runs twice at once (dev
 * tools often hold fixed ports or files). Runs arriving while one stops collapse into the last.
 *
 * <p>It forwards the supervisor's {@link AppSupervisor.EndpointsChanged} of the current generation
 * to {@code endpoints} (called on an actor thread: it must only hand the value over). After {@link
 * Stop} it starts nothing anymore and answers once every process is gone.
 */
public final class DevRunner extends AbstractBehavior<DevRunner.Command> {

  /** Messages of the runner. */
  public interface Command {}

  /** Stop the current generation (if any), then run {@code spec} with one instance. */
  public record Run(ReleaseSpec spec) implements Command {}

  /** Stop everything; replies when no app process is left. */
  public record Stop(ActorRef<Done> replyTo) implements Command {}

  /** Replies with the current generation's status, or an empty status before the first run. */
  public record GetStatus(ActorRef<AppSupervisor.AppStatus> replyTo) implements Command {}

  private record Endpoints(AppSupervisor.EndpointsChanged event) implements Command {}

  private record GenerationStopped(long generation) implements Command {}

  private final SupervisorSettings settings;
  private final Consumer<AppSupervisor.EndpointsChanged> endpoints;
  private final ActorRef<AppSupervisor.EndpointsChanged> endpointsAdapter;
  private final List<ActorRef<Done>> stopWaiters = new ArrayList<>();

  private ActorRef<AppSupervisor.Command> supervisor;
  private ReleaseSpec running;
  private long generation;
  private boolean stoppingGeneration;
  private ReleaseSpec pending;
  private boolean stopping;

  public static Behavior<Command> create(
      SupervisorSettings settings, Consumer<AppSupervisor.EndpointsChanged> endpoints) {
    return Behaviors.setup(context -> new DevRunner(context, settings, endpoints));
  }

  private DevRunner(
      ActorContext<Command> context,
      SupervisorSettings settings,
      Consumer<AppSupervisor.EndpointsChanged> endpoints) {
    super(context);
    this.settings = settings;
    this.endpoints = endpoints;
    this.endpointsAdapter =
        context.messageAdapter(AppSupervisor.EndpointsChanged.class, Endpoints::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Run.class, this::onRun)
        .onMessage(Stop.class, this::onStop)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(Endpoints.class, this::onEndpoints)
        .onMessage(GenerationStopped.class, this::onGenerationStopped)
        .build();
  }

  private Behavior<Command> onRun(Run msg) {
    if (stopping) {
      return this;
    }
    pending = msg.spec();
    if (supervisor == null) {
      startPending();
    } else if (!stoppingGeneration) {
      stopGeneration();
    }
    return this;
  }

  private Behavior<Command> onStop(Stop msg) {
    stopping = true;
    pending = null;
    if (supervisor == null) {
      msg.replyTo().tell(Done.getInstance());
    } else {
      stopWaiters.add(msg.replyTo());
      if (!stoppingGeneration) {
        stopGeneration();
      }
    }
    return this;
  }

  private Behavior<Command> onGetStatus(GetStatus msg) {
    if (supervisor == null) {
      msg.replyTo().tell(new AppSupervisor.AppStatus(null, 0, List.of()));
    } else {
      supervisor.tell(new AppSupervisor.GetStatus(msg.replyTo()));
    }
    return this;
  }

  private Behavior<Command> onEndpoints(Endpoints msg) {
    // Only the generation that serves: a stopping one reports its endpoints going away too.
    if (running != null && !stoppingGeneration && running.release().equals(msg.event().release())) {
      endpoints.accept(msg.event());
    }
    return this;
  }

  private Behavior<Command> onGenerationStopped(GenerationStopped msg) {
    if (msg.generation() != generation) {
      return this;
    }
    boolean requested = stoppingGeneration;
    ReleaseSpec was = running;
    supervisor = null;
    running = null;
    stoppingGeneration = false;
    if (!requested && !stopping && pending == null) {
      // The supervisor itself failed (a bug): its instances are gone with it; run again.
      getContext().getLog().error("the app supervisor stopped unexpectedly; starting it again");
      pending = was;
    }
    if (stopping) {
      stopWaiters.forEach(w -> w.tell(Done.getInstance()));
      stopWaiters.clear();
    } else if (pending != null) {
      startPending();
    }
    return this;
  }

  private void stopGeneration() {
    stoppingGeneration = true;
    // The supervisor stops itself once every process is gone; its termination is the signal.
    supervisor.tell(new AppSupervisor.StopAll(getContext().getSystem().ignoreRef()));
  }

  private void startPending() {
    generation++;
    running = pending;
    pending = null;
    supervisor =
        getContext()
            .spawn(
                AppSupervisor.create(running.app(), running.env(), settings, endpointsAdapter),
                "app-" + generation);
    getContext().watchWith(supervisor, new GenerationStopped(generation));
    supervisor.tell(new AppSupervisor.Restore(running, 1));
  }
}
