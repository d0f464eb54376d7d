package dev.tako.proxy.failover;

/**
 * The safety rules of forwarding (SPEC §12), as pure functions of an exchange's facts: at most one
 * hop, never after the visitor got a byte of the answer, and a request that already reached an
 * instance only when it may be sent twice and its body can be sent again.
 */
public final class FailoverRules {
  /** The largest request body kept for a re-send or a {@code Tako-Replay}. */
  public static final long REPLAY_BODY_LIMIT = 1024 * 1024;

  private FailoverRules() {}

  /**
   * The facts of one exchange at the moment the local side cannot serve it.
   *
   * @param hopped the request came from a peer (it arrived on the node-to-node listener)
   * @param answerStarted the visitor already got bytes of the answer
   * @param reachedApp bytes of the request reached a local instance
   * @param idempotent GET, HEAD, OPTIONS, PUT or DELETE
   * @param bodyAgain the request's body (if any) can be sent again: none was read yet, or all of it
   *     is kept
   */
  public record Exchange(
      boolean hopped,
      boolean answerStarted,
      boolean reachedApp,
      boolean idempotent,
      boolean bodyAgain) {}

  /** Whether the request may go to a peer instead of getting the local error answer. */
  public static boolean mayForward(Exchange e) {
    if (e.hopped() || e.answerStarted() || !e.bodyAgain()) {
      return false;
    }
    return !e.reachedApp() || e.idempotent();
  }

  /**
   * Whether an app's {@code Tako-Replay} is followed: never for a request that is itself a hop (its
   * answer's header is dropped), and only with the whole body kept.
   */
  public static boolean mayReplay(boolean hopped, boolean bodyKept) {
    return !hopped && bodyKept;
  }

  /**
   * Whether a request body of {@code declaredLength} bytes (-1: chunked, not known) is kept while
   * it streams to the app, so it can be replayed or re-sent: known lengths up to the limit; chunked
   * bodies are kept until they pass it.
   */
  public static boolean keepBody(long declaredLength) {
    return declaredLength <= REPLAY_BODY_LIMIT;
  }
}
