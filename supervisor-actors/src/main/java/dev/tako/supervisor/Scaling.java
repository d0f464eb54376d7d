package dev.tako.supervisor;

import dev.tako.supervisor.Slot.Role;
import java.util.List;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;

/**
 * The current release of an {@link AppSupervisor} and how many of its instances run: the desired
 * count ({@code tako scale}, a restore after a node restart, a promoted deploy), scale to zero
 * (awake after a request or a deploy, asleep again once {@link IdlePolicy idle}, counting the cold
 * starts that failed), and the stop of the whole app. After each change it starts or retires
 * current slots as {@link ScalePolicy} says.
 *
 * <p>Part of the supervisor's actor: it runs only on its thread and uses its {@link Slots} and
 * timers (the idle check).
 */
final class Scaling {

  private final Slots slots;
  private final TimerScheduler<AppSupervisor.Command> timers;
  private final SupervisorSettings settings;
  private final InFlight inFlight;
  private final Logger log;
  private final String app;
  private ReleaseSpec current;
  private int desired;

  /** With desired 0: one instance should run (woken by a request, or started by a deploy). */
  private boolean awake;

  private long wakeFailures;
  private boolean stopping;

  /**
   * @param app "app/env", for the log
   */
  Scaling(
      Slots slots,
      TimerScheduler<AppSupervisor.Command> timers,
      SupervisorSettings settings,
      InFlight inFlight,
      Logger log,
      String app) {
    this.slots = slots;
    this.timers = timers;
    this.settings = settings;
    this.inFlight = inFlight;
    this.log = log;
    this.app = app;
  }

  /** The current release, null before the first deploy or restore. */
  ReleaseSpec current() {
    return current;
  }

  String release() {
    return current == null ? null : current.release();
  }

  int desired() {
    return desired;
  }

  long wakeFailures() {
    return wakeFailures;
  }

  /** After {@link #stopAll}: nothing starts any more. */
  boolean stopping() {
    return stopping;
  }

  /** Scaled to zero: a request should wake it. */
  boolean cold() {
    return !stopping && current != null && desired == 0;
  }

  void scale(int instances) {
    if (stopping) {
      return;
    }
    if (current == null) {
      log.warn("{}: no current release to scale", app);
      return;
    }
    desired = Math.max(0, instances);
    awake = false;
    reconcile();
  }

  /** A request for the app scaled to zero: one instance starts unless one runs already. */
  void wake() {
    if (stopping || current == null || desired > 0 || awake) {
      return;
    }
    awake = true;
    log.info("{}: a request wakes {}", app, current.release());
    reconcile();
  }

  /** With desired 0: stops the instance once nothing went to it for the idle timeout. */
  void idleCheck() {
    if (stopping || current == null || desired > 0 || !awake) {
      timers.cancel(AppSupervisor.IdleCheck.INSTANCE);
      return;
    }
    List<IdlePolicy.Activity> running =
        slots.withRole(Role.CURRENT).stream()
            .map(s -> new IdlePolicy.Activity(s.routable(), s.port(), s.readyNanos()))
            .toList();
    if (IdlePolicy.idle(running, inFlight, System.nanoTime(), current.idleTimeout())) {
      log.info("{}: idle for {}, stopping its instance", app, current.idleTimeout());
      awake = false;
      timers.cancel(AppSupervisor.IdleCheck.INSTANCE);
      reconcile();
    }
  }

  /**
   * After a node restart: {@code spec} is current (another current release drains). The processes
   * of {@code adopt} (of this release, left running by the previous node process) are taken over up
   * to the desired count, with 0 desired one of them as a woken instance (stopped once idle); the
   * others are stopped. Fresh instances make up the rest.
   */
  void restore(ReleaseSpec spec, int instances, List<Adoptable> adopt) {
    if (stopping) {
      return;
    }
    if (current == null || !current.release().equals(spec.release())) {
      for (Slot s : slots.withRole(Role.CURRENT)) {
        slots.retire(s, true);
      }
      current = spec;
    }
    desired = Math.max(0, instances);
    awake = false;
    int wanted = Math.max(1, desired);
    int running = slots.withRole(Role.CURRENT).size();
    for (Adoptable a : adopt) {
      Slot s = slots.adopt(current, Role.CURRENT, desired == 0, a);
      if (s == null) {
        continue; // one of ours already
      }
      if (running < wanted) {
        running++;
        awake = desired == 0;
        log.info(
            "{}: adopting process {} (instance {}) of {}", app, a.pid(), a.id(), spec.release());
      } else {
        log.info(
            "{}: stopping process {} (instance {}): {} instance(s) wanted",
            app,
            a.pid(),
            a.id(),
            desired);
        slots.retire(s, false);
      }
    }
    reconcile();
  }

  /** The deploy's candidate is current; with 0 desired its one instance stays until idle. */
  void promoted(Candidate promoted) {
    current = promoted.spec();
    desired = promoted.desired();
    awake = desired == 0;
    log.info("{}: {} is now current", app, current.release());
    reconcile();
  }

  /**
   * A woken instance failed: no restart loop, the app goes cold and the next request starts it
   * again. A start that never became ready counts as a failed wake (its waiting requests get 502).
   */
  void wentCold(Slot s, String reason) {
    if (!s.everReady()) {
      wakeFailures++;
    }
    awake = false;
    log.warn("{}: instance {} failed while scaled to zero: {}", app, s.id(), reason);
    slots.retire(s, false);
  }

  void stopAll() {
    stopping = true;
    desired = 0;
  }

  /** Starts or retires current slots until their count matches what {@link ScalePolicy} wants. */
  private void reconcile() {
    if (current == null) {
      return;
    }
    List<Slot> running = slots.withRole(Role.CURRENT);
    int wanted = ScalePolicy.wanted(desired, awake);
    for (int i = ScalePolicy.toStart(running.size(), wanted); i > 0; i--) {
      slots.add(current, Role.CURRENT, desired == 0);
    }
    if (desired == 0 && awake) {
      timers.startTimerWithFixedDelay(
          AppSupervisor.IdleCheck.INSTANCE,
          AppSupervisor.IdleCheck.INSTANCE,
          settings.idleCheckInterval());
    }
    ScalePolicy.toRetire(running, wanted, Slot::routable).forEach(s -> slots.retire(s, true));
  }
}
