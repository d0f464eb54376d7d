package dev.tako.node;

import dev.tako.protocol.CborSerializable;
import java.util.List;

/**
 * The outcome of one step on one server (prepare, start, switch, a lease, a secret set, a scale):
 * every failure a rollout or the HTTP edge can expect is ok = false with a message for the user.
 *
 * @param unchanged the step had nothing to do (the release is current, the certificate kept)
 * @param lastStderr the last lines a failed process wrote, for the user
 * @param previous the release current before this step, or null
 * @param detail a progress line of the step for the user ("dependencies unchanged"), or null
 */
public record StepResult(
    String server,
    boolean ok,
    boolean unchanged,
    String error,
    List<String> lastStderr,
    String previous,
    String detail)
    implements CborSerializable {
  public StepResult {
    lastStderr = lastStderr == null ? List.of() : List.copyOf(lastStderr);
  }

  public StepResult(
      String server, boolean ok, boolean unchanged, String error, List<String> lastStderr) {
    this(server, ok, unchanged, error, lastStderr, null, null);
  }

  public StepResult(
      String server,
      boolean ok,
      boolean unchanged,
      String error,
      List<String> lastStderr,
      String previous) {
    this(server, ok, unchanged, error, lastStderr, previous, null);
  }

  public static StepResult ok(String server) {
    return new StepResult(server, true, false, null, List.of());
  }

  public static StepResult failed(String server, String error) {
    return new StepResult(server, false, false, error, List.of());
  }

  /** The deepest cause's message of a failed future, for a user-facing error. */
  public static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getMessage() != null ? c.getMessage() : c.toString();
  }
}
