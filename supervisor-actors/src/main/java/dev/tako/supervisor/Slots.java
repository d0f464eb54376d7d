package dev.tako.supervisor;

import dev.tako.supervisor.Slot.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The slots of one {@link AppSupervisor} and their {@link Instance} children: spawning a slot's
 * instance (again after the restart backoff), retiring a slot (drain, then Stop), forgetting it
 * once its instance is gone, and answering who waits for slots to be gone.
 *
 * <p>Part of the supervisor's actor: it uses the supervisor's context and timers and runs only on
 * its thread. It decides nothing about how many instances run or what a failure means; the
 * supervisor does, with its policies.
 */
final class Slots {

  private record DoneWaiter(Set<String> ids, ActorRef<Done> replyTo) {}

  private final ActorContext<AppSupervisor.Command> context;
  private final TimerScheduler<AppSupervisor.Command> timers;
  private final SupervisorSettings settings;
  private final InFlight inFlight;
  private final ActorRef<Instance.Event> events;
  private final RestartPolicy restartPolicy;
  private final HealthProbe probe;
  private final Map<String, Slot> slots = new LinkedHashMap<>();
  private final List<DoneWaiter> doneWaiters = new ArrayList<>();

  /**
   * @param events where the instances report (the supervisor's adapter)
   */
  Slots(
      ActorContext<AppSupervisor.Command> context,
      TimerScheduler<AppSupervisor.Command> timers,
      SupervisorSettings settings,
      InFlight inFlight,
      ActorRef<Instance.Event> events) {
    this.context = context;
    this.timers = timers;
    this.settings = settings;
    this.inFlight = inFlight;
    this.events = events;
    this.restartPolicy = RestartPolicy.of(settings);
    this.probe = new HealthProbe(settings.probeTimeout());
  }

  RestartPolicy restartPolicy() {
    return restartPolicy;
  }

  /** The slot, or null if it is gone. */
  Slot get(String id) {
    return slots.get(id);
  }

  /** A snapshot: safe to retire slots while iterating. */
  List<Slot> all() {
    return List.copyOf(slots.values());
  }

  List<Slot> withRole(Role role) {
    return slots.values().stream().filter(s -> s.is(role)).toList();
  }

  boolean isEmpty() {
    return slots.isEmpty();
  }

  Set<String> ids() {
    return Set.copyOf(slots.keySet());
  }

  List<Endpoint> endpoints(Role role) {
    return slots.values().stream()
        .filter(s -> s.is(role) && s.routable())
        .map(Slot::endpoint)
        .toList();
  }

  List<AppSupervisor.InstanceStatus> statuses() {
    return slots.values().stream().map(Slot::status).toList();
  }

  /** A new slot with a fresh instance id, its instance started. */
  void add(ReleaseSpec spec, Role role, boolean coldStart) {
    String id;
    do {
      id = Instance.newId(ThreadLocalRandom.current());
    } while (slots.containsKey(id));
    Slot s = new Slot(id, spec, role, coldStart);
    slots.put(id, s);
    spawn(s);
  }

  /**
   * A new slot with the id of {@code process}, a process of {@code spec} a previous node process
   * left running, whose instance adopts it (see {@link Instance#adopt}).
   *
   * @return the slot, or null when a slot of that id exists already
   */
  Slot adopt(ReleaseSpec spec, Role role, boolean coldStart, Adoptable process) {
    if (slots.containsKey(process.id())) {
      return null;
    }
    Slot s = new Slot(process.id(), spec, role, coldStart);
    s.adopt(process);
    slots.put(s.id(), s);
    spawn(s);
    return s;
  }

  /** Starts the slot's next instance; a watch tells the supervisor when that one is gone. */
  void spawn(Slot s) {
    long generation = s.nextGeneration();
    SupervisorSettings instanceSettings = s.coldStart() ? settings.forColdStart() : settings;
    Adoptable adoption = s.takeAdoption();
    ActorRef<Instance.Command> ref =
        context.spawn(
            adoption != null
                ? Instance.adopt(s.spec(), instanceSettings, probe, events, adoption)
                : Instance.create(s.id(), s.spec(), instanceSettings, probe, events),
            "instance-" + s.id() + "-" + generation);
    context.watchWith(ref, new AppSupervisor.InstanceGone(s.id(), generation));
    s.spawned(ref, restartPolicy.failed(s.failures()));
  }

  /** Schedules the slot's restart after the backoff of its consecutive failures. */
  void restartLater(Slot s) {
    Duration delay = restartPolicy.delay(Math.max(1, s.failures()));
    timers.startSingleTimer("restart-" + s.id(), new AppSupervisor.RestartDue(s.id()), delay);
  }

  /** Takes a slot out of service: drained (endpoints first, SIGTERM later) or stopped now. */
  void retire(Slot s, boolean drain) {
    timers.cancel("restart-" + s.id());
    boolean wasRoutable = s.retire();
    if (!s.running()) {
      remove(s);
      return;
    }
    if (drain && wasRoutable && settings.drainDelay().compareTo(Duration.ZERO) > 0) {
      drainLater(s, settings.drainDelay());
    } else {
      sendStop(s);
    }
  }

  /**
   * A draining slot's delay elapsed, or the proxy saw its last request end: Stop once no request is
   * in flight, or at the timeout. While requests are in flight nothing polls: the proxy's {@link
   * InFlight#whenIdle} signal or the timeout's timer comes back here.
   */
  void drainElapsed(Slot s) {
    Instant now = Instant.now();
    int requests = s.port() > 0 ? inFlight.count(s.port()) : 0;
    Instant since = s.drainingSince(now);
    if (ReplacementPolicy.stopDraining(requests, since, now, settings.drainTimeout())) {
      sendStop(s);
    } else {
      drainLater(s, ReplacementPolicy.untilDrainTimeout(since, now, settings.drainTimeout()));
      ActorRef<AppSupervisor.Command> self = context.getSelf();
      AppSupervisor.DrainElapsed idle = new AppSupervisor.DrainElapsed(s.id());
      inFlight.whenIdle(s.port(), () -> self.tell(idle));
    }
  }

  private void drainLater(Slot s, Duration delay) {
    timers.startSingleTimer("drain-" + s.id(), new AppSupervisor.DrainElapsed(s.id()), delay);
  }

  /**
   * The node process is being replaced: the slot's instance lets go of its process without
   * signalling it; the slot is forgotten once the instance actor is gone.
   */
  void detach(Slot s) {
    timers.cancel("restart-" + s.id());
    timers.cancel("drain-" + s.id());
    s.detached();
    if (!s.running()) {
      remove(s);
    } else {
      s.instance().tell(Instance.Detach.INSTANCE);
    }
  }

  void sendStop(Slot s) {
    timers.cancel("drain-" + s.id());
    if (s.takeStop()) {
      s.instance().tell(Instance.Stop.INSTANCE);
    }
  }

  /** Forgets a slot whose process is gone; answers who waited for it. */
  void remove(Slot s) {
    slots.remove(s.id());
    answerDoneWaiters();
  }

  /** Replies {@link Done} once none of {@code ids} is left (at once if none is). */
  void awaitGone(Set<String> ids, ActorRef<Done> replyTo) {
    doneWaiters.add(new DoneWaiter(Set.copyOf(ids), replyTo));
    answerDoneWaiters();
  }

  private void answerDoneWaiters() {
    doneWaiters.removeIf(
        w -> {
          if (w.ids().stream().noneMatch(slots::containsKey)) {
            w.replyTo().tell(Done.getInstance());
            return true;
          }
          return false;
        });
  }
}
