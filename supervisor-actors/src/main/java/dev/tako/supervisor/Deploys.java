package dev.tako.supervisor;

import dev.tako.supervisor.AppSupervisor.CandidateFailed;
import dev.tako.supervisor.AppSupervisor.CandidateReady;
import dev.tako.supervisor.AppSupervisor.StartCandidate;
import dev.tako.supervisor.Slot.Role;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * The deploy side of an {@link AppSupervisor}: the {@link Candidate} release started beside the
 * current one, answering who asked for it, failing it as a whole (its instances are stopped,
 * nothing of the current release changes), aborting it and handing it over for promotion.
 *
 * <p>Part of the supervisor's actor (runs only on its thread, uses its {@link Slots}); what becomes
 * current after a promotion is the supervisor's business.
 */
final class Deploys {

  private final Slots slots;
  private final Logger log;
  private final String app;
  private Candidate candidate;

  /**
   * @param app "app/env", for the log
   */
  Deploys(Slots slots, Logger log, String app) {
    this.slots = slots;
    this.log = log;
    this.app = app;
  }

  /** A candidate is starting and has not been answered yet. */
  boolean pending() {
    return candidate != null && !candidate.answered();
  }

  /**
   * Answers at once (the release runs already, as current or as the candidate), joins the askers of
   * the same candidate, or starts the release (superseding another candidate).
   */
  void start(StartCandidate msg, ReleaseSpec current, boolean stopping) {
    ReleaseSpec spec = msg.spec();
    if (stopping) {
      msg.replyTo()
          .tell(new CandidateFailed(spec.release(), "the app is being stopped", null, List.of()));
      return;
    }
    // The same release with the same environment is already running; a changed environment (new
    // secrets) is a new generation of the release and starts beside the current one.
    if (current != null && current.equals(spec)) {
      msg.replyTo().tell(new CandidateReady(spec.release(), slots.endpoints(Role.CURRENT)));
      return;
    }
    if (candidate != null) {
      if (candidate.spec().equals(spec)) {
        if (candidate.answered()) {
          msg.replyTo().tell(new CandidateReady(spec.release(), slots.endpoints(Role.CANDIDATE)));
        } else {
          candidate.await(msg.replyTo());
        }
        return;
      }
      fail(candidate.failure("superseded by release " + spec.release()));
    }
    candidate = Candidate.of(spec, msg.instances());
    candidate.await(msg.replyTo());
    log.info("{}: starting {} instance(s) of {}", app, candidate.instances(), spec.release());
    for (int i = 0; i < candidate.instances(); i++) {
      slots.add(spec, Role.CANDIDATE, false);
    }
  }

  /** Answers the askers once every instance of the candidate is ready. */
  void checkReady() {
    if (pending() && slots.withRole(Role.CANDIDATE).stream().allMatch(Slot::ready)) {
      candidate.ready(slots.endpoints(Role.CANDIDATE));
    }
  }

  /** Fails the candidate, if any, with no process detail. */
  void failIfAny(String reason) {
    if (candidate != null) {
      fail(candidate.failure(reason));
    }
  }

  /** Fails the candidate as a whole: its askers hear why, its instances are stopped. */
  void fail(CandidateFailed failure) {
    Candidate c = candidate;
    candidate = null;
    log.warn("{}: candidate {} failed: {}", app, failure.release(), failure.reason());
    c.fail(failure);
    for (Slot s : slots.all()) {
      if (s.is(Role.CANDIDATE)) {
        slots.retire(s, false);
      }
    }
  }

  /** Fails the candidate; replies once the processes of every candidate instance are gone. */
  void abort(ActorRef<Done> replyTo) {
    failIfAny("aborted");
    Set<String> ids =
        slots.all().stream()
            .filter(s -> s.wasCandidate() && s.is(Role.RETIRING))
            .map(Slot::id)
            .collect(Collectors.toSet());
    slots.awaitGone(ids, replyTo);
  }

  /**
   * Switches: the candidate's instances become current, the current ones drain (they leave the
   * endpoints at once). Askers of a candidate not yet ready hear that it failed.
   *
   * @return the promoted candidate, or null if there is none
   */
  Candidate promote() {
    Candidate promoted = candidate;
    if (promoted == null) {
      return null;
    }
    candidate = null;
    if (!promoted.answered()) {
      promoted.fail(promoted.failure("promoted before it was ready"));
    }
    for (Slot s : slots.all()) {
      if (s.is(Role.CURRENT)) {
        slots.retire(s, true);
      } else if (s.is(Role.CANDIDATE)) {
        s.promoted();
      }
    }
    return promoted;
  }
}
