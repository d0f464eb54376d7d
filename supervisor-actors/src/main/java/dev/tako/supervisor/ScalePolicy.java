package dev.tako.supervisor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * How many instances of the current release should run, and which ones go when there are too many.
 * Pure: the {@link AppSupervisor} applies the answers.
 */
final class ScalePolicy {

  private ScalePolicy() {}

  /**
   * Instances that should run: the desired count, or with 0 desired (scale to zero) one while the
   * app is awake (woken by a request or kept warm after a deploy) and none otherwise.
   */
  static int wanted(int desired, boolean awake) {
    return desired > 0 ? desired : (awake ? 1 : 0);
  }

  /** How many to start when {@code running} run and {@code wanted} should. */
  static int toStart(int running, int wanted) {
    return Math.max(0, wanted - running);
  }

  /**
   * Which of the running instances (oldest first) to retire to get down to {@code wanted}: the
   * least useful first, those not routable, then the newest.
   */
  static <T> List<T> toRetire(List<T> running, int wanted, Predicate<T> routable) {
    if (running.size() <= wanted) {
      return List.of();
    }
    List<T> order = new ArrayList<>(running);
    Collections.reverse(order);
    order.sort(Comparator.comparing(routable::test)); // stable: newest first among equals
    return List.copyOf(order.subList(0, running.size() - wanted));
  }
}
