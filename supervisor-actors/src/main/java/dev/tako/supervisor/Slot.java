package dev.tako.supervisor;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One instance slot of an {@link AppSupervisor}: an instance id that outlives its processes across
 * restarts, what the supervisor knows of its current process and its {@link InstanceState}.
 *
 * <p>Mutable, but confined to the supervisor's actor and never sent: every change is a method named
 * after the instance event or supervisor decision that causes it, so the state rules live here and
 * the supervisor only decides which one applies. What leaves the actor is {@link #status()}.
 */
final class Slot {

  /** Which release generation the slot serves for the supervisor. */
  enum Role {
    /** An instance of the current release: in the endpoints once ready, restarted on failure. */
    CURRENT,
    /** An instance of the candidate release a deploy is starting. */
    CANDIDATE,
    /** Out of service: drained and stopped, removed once its process is gone. */
    RETIRING
  }

  private final String id;
  private final ReleaseSpec spec;
  private final boolean wasCandidate;
  private final boolean coldStart;
  private Adoptable
      adoption; // a process to adopt instead of launching one, taken by the next spawn
  private Role role;
  private InstanceState state = InstanceState.STARTING;

  // The instance actor of the current generation (null between a process and its restart).
  private ActorRef<Instance.Command> ref;
  private long generation;
  private boolean stopSent;
  private boolean terminalSeen;

  // The process, its readiness and its health.
  private Long pid;
  private int port;
  private Instant startedAt;
  private boolean ready;
  private boolean healthy;
  private Instant readySince;
  private long readyNanos;
  private boolean everReady;
  private Instant drainSince;
  private int restarts;
  private int failures;

  // Why it is not ready, shown by tako status.
  private Integer exitCode;
  private String reason;
  private List<String> lastStderr = List.of();

  /**
   * @param coldStart started by a request to an app scaled to zero (cold-start probe settings)
   */
  Slot(String id, ReleaseSpec spec, Role role, boolean coldStart) {
    this.id = id;
    this.spec = spec;
    this.role = role;
    this.wasCandidate = role == Role.CANDIDATE;
    this.coldStart = coldStart;
  }

  String id() {
    return id;
  }

  ReleaseSpec spec() {
    return spec;
  }

  Role role() {
    return role;
  }

  boolean is(Role r) {
    return role == r;
  }

  /** Started for a candidate, whatever it became since (an aborted candidate's are retiring). */
  boolean wasCandidate() {
    return wasCandidate;
  }

  boolean coldStart() {
    return coldStart;
  }

  long generation() {
    return generation;
  }

  /** Whether an instance actor runs for this slot. */
  boolean running() {
    return ref != null;
  }

  int port() {
    return port;
  }

  int failures() {
    return failures;
  }

  int restarts() {
    return restarts;
  }

  boolean ready() {
    return ready;
  }

  boolean everReady() {
    return everReady;
  }

  List<String> lastStderr() {
    return lastStderr;
  }

  /** {@link System#nanoTime()} when it last became ready. */
  long readyNanos() {
    return readyNanos;
  }

  /** Ready and healthy: in the endpoints if its role is routed. */
  boolean routable() {
    return ready && healthy;
  }

  Endpoint endpoint() {
    return new Endpoint("127.0.0.1", port, id);
  }

  /** The generation the next instance actor gets (its name and its watch message carry it). */
  long nextGeneration() {
    return ++generation;
  }

  /** A new instance actor runs for the slot; {@code showFailed} keeps the {@code failed} state. */
  void spawned(ActorRef<Instance.Command> instance, boolean showFailed) {
    ref = instance;
    ready = false;
    healthy = false;
    stopSent = false;
    terminalSeen = false;
    readySince = null;
    if (!showFailed) {
      state = InstanceState.STARTING;
    }
  }

  void restarting() {
    restarts++;
  }

  /** Its first instance adopts {@code process} instead of launching one. */
  void adopt(Adoptable process) {
    adoption = process;
  }

  /** The process to adopt, once: later instances of the slot launch their own. */
  Adoptable takeAdoption() {
    Adoptable a = adoption;
    adoption = null;
    return a;
  }

  void started(long pid, int port, Instant startedAt) {
    this.pid = pid;
    this.port = port;
    this.startedAt = startedAt;
  }

  void becameReady(Instant now, long nanos) {
    ready = true;
    healthy = true;
    readySince = now;
    readyNanos = nanos;
    everReady = true;
    exitCode = null;
    reason = null;
    lastStderr = List.of();
    if (role != Role.RETIRING) {
      state = InstanceState.READY;
    }
  }

  void unhealthy(String why) {
    healthy = false;
    reason = why;
  }

  void healthyAgain() {
    healthy = true;
    reason = null;
  }

  /** The instance reported its terminal event: its process is gone, it stops by itself. */
  void terminal() {
    terminalSeen = true;
  }

  void stopped(Integer code) {
    terminalSeen = true;
    ready = false;
    if (role == Role.RETIRING) {
      state = InstanceState.STOPPED;
      exitCode = code;
    }
  }

  boolean terminalSeen() {
    return terminalSeen;
  }

  /** The instance actor is gone (watched termination). */
  void gone() {
    ref = null;
    ready = false;
  }

  /**
   * Records a failure of its process; a retiring slot shows {@code stopped}.
   *
   * @return how long it had been ready ({@link Duration#ZERO} if it was not)
   */
  Duration failed(String why, Integer code, List<String> stderr, Instant now) {
    Duration readyFor = readySince == null ? Duration.ZERO : Duration.between(readySince, now);
    ready = false;
    healthy = false;
    readySince = null;
    if (code != null) {
      exitCode = code;
    }
    reason = why;
    if (!stderr.isEmpty()) {
      lastStderr = List.copyOf(stderr);
    }
    if (role == Role.RETIRING) {
      state = InstanceState.STOPPED;
    }
    return readyFor;
  }

  /** Counts a failure that leads to a restart with backoff. */
  void failedInARow(RestartPolicy policy, Duration readyFor) {
    failures = policy.afterFailure(failures, readyFor);
    state = policy.failed(failures) ? InstanceState.FAILED : InstanceState.STARTING;
  }

  void promoted() {
    role = Role.CURRENT;
  }

  /**
   * Its instance let go of its process (the node process is being replaced): out of service, and
   * forgotten once the instance actor is gone.
   */
  void detached() {
    role = Role.RETIRING;
    ready = false;
    healthy = false;
  }

  /**
   * Takes the slot out of service.
   *
   * @return whether it was a routable instance of the current release (it is drained first)
   */
  boolean retire() {
    boolean wasRoutable = role == Role.CURRENT && routable();
    role = Role.RETIRING;
    if (state != InstanceState.STOPPED) {
      state = InstanceState.DRAINING;
    }
    return wasRoutable;
  }

  /** Whether a Stop should go to the instance now; true at most once per generation. */
  boolean takeStop() {
    // After a terminal event the instance stops by itself: its process is already gone.
    if (ref == null || stopSent || terminalSeen) {
      return false;
    }
    stopSent = true;
    return true;
  }

  ActorRef<Instance.Command> instance() {
    return ref;
  }

  /** When draining began (the first call fixes it). */
  Instant drainingSince(Instant now) {
    if (drainSince == null) {
      drainSince = now;
    }
    return drainSince;
  }

  AppSupervisor.InstanceStatus status() {
    return new AppSupervisor.InstanceStatus(
        id,
        pid,
        port,
        state,
        routable(),
        restarts,
        spec.release(),
        startedAt,
        exitCode,
        reason,
        lastStderr);
  }
}
