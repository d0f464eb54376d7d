package dev.tako.cli;

import dev.tako.protocol.api.RolloutEvent;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The install step of a deploy for its {@code timings:} line, read from the rollout's progress
 * events ({@code dependencies installed in 3.2 s}, {@code dependencies unchanged}, SPEC §10) while
 * passing each event on to be printed. Servers install in parallel, so the step takes as long as
 * the slowest server's install. Events it does not know pass through unread.
 */
public final class InstallTiming implements Consumer<RolloutEvent> {
  private static final Pattern INSTALLED =
      Pattern.compile("^dependencies installed in (\\d+(?:\\.\\d+)?) s");

  private final Consumer<RolloutEvent> next;
  private final Map<String, Double> secondsByServer = new ConcurrentHashMap<>();
  private volatile boolean unchanged;

  public InstallTiming(Consumer<RolloutEvent> next) {
    this.next = next;
  }

  @Override
  public void accept(RolloutEvent ev) {
    if ("progress".equals(ev.event()) && ev.phase() != null) {
      Matcher m = INSTALLED.matcher(ev.phase());
      if (m.find()) {
        secondsByServer.merge(ev.server(), Double.parseDouble(m.group(1)), Math::max);
      } else if (ev.phase().startsWith("dependencies unchanged")) {
        unchanged = true;
      }
    }
    next.accept(ev);
  }

  /**
   * {@code " (install 3.2s)"} (the slowest server), {@code " (dependencies unchanged)"}, or empty
   * when the release has no dependencies; to follow the rollout's time, which includes it.
   */
  public String timing() {
    double slowest = secondsByServer.values().stream().mapToDouble(d -> d).max().orElse(-1);
    if (slowest >= 0) {
      return String.format(Locale.ROOT, " (install %.1fs)", slowest);
    }
    return unchanged ? " (dependencies unchanged)" : "";
  }
}
