package dev.tako.supervisor;

import dev.tako.supervisor.AppSupervisor.CandidateFailed;
import dev.tako.supervisor.AppSupervisor.CandidateReady;
import dev.tako.supervisor.AppSupervisor.CandidateResult;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The release an {@link AppSupervisor} starts beside the current one for a deploy, and who waits
 * for the answer. Answered once: ready (later askers hear ready at once) or failed. Confined to the
 * supervisor's actor.
 */
final class Candidate {
  private final ReleaseSpec spec;
  private final int instances;
  private final int desired;
  private final List<ActorRef<CandidateResult>> waiters = new ArrayList<>();
  private boolean answered;

  private Candidate(ReleaseSpec spec, int instances, int desired) {
    this.spec = spec;
    this.instances = instances;
    this.desired = desired;
  }

  /** {@code max(1, requested)} instances start; {@code requested} is desired after the switch. */
  static Candidate of(ReleaseSpec spec, int requested) {
    return new Candidate(spec, Math.max(1, requested), Math.max(0, requested));
  }

  ReleaseSpec spec() {
    return spec;
  }

  String release() {
    return spec.release();
  }

  int instances() {
    return instances;
  }

  /** Desired after the switch: 0 keeps the one warm instance until it is idle. */
  int desired() {
    return desired;
  }

  boolean answered() {
    return answered;
  }

  void await(ActorRef<CandidateResult> replyTo) {
    waiters.add(replyTo);
  }

  void ready(List<Endpoint> endpoints) {
    answered = true;
    CandidateReady ready = new CandidateReady(release(), endpoints);
    waiters.forEach(w -> w.tell(ready));
    waiters.clear();
  }

  void fail(CandidateFailed failure) {
    waiters.forEach(w -> w.tell(failure));
    waiters.clear();
  }

  /** A failure of the whole candidate with no process detail. */
  CandidateFailed failure(String reason) {
    return new CandidateFailed(release(), reason, null, List.of());
  }
}
