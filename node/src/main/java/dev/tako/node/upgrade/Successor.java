package dev.tako.node.upgrade;

import dev.tako.proxy.AppRoutes;
import dev.tako.proxy.RouteSnapshot;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The new process's side of a handover ({@link NodeHandover}): started with {@link #ENV} naming the
 * process it replaces, it binds the proxy ports beside that process once the apps it adopted serve
 * from the new routes ({@link #serves}), then tells it to go ({@link #takeOver}).
 *
 * @param predecessor the pid of the process being replaced
 * @param apps the app keys ({@code app/env}) of the instances this process adopts
 */
public record Successor(long predecessor, Set<String> apps) {
  private static final Logger LOG = LoggerFactory.getLogger(Successor.class);

  /** The environment variable that names the process being replaced. */
  public static final String ENV = "TAKO_HANDOVER_FROM";

  public Successor {
    apps = Set.copyOf(apps);
  }

  /** From this process's environment: present when it was started by a handover. */
  public static Optional<Long> predecessorFromEnvironment() {
    String value = System.getenv(ENV);
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Whether every adopted app has a ready instance in {@code routes}. */
  public boolean serves(RouteSnapshot routes) {
    for (String app : apps) {
      AppRoutes r = routes.apps().get(app);
      if (r == null || r.upstreams().isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /**
   * This process listens on the proxy ports now: under systemd it becomes the unit's main process
   * ({@code systemd-notify MAINPID=}, the unit has {@code NotifyAccess=all}), then the predecessor
   * gets SIGTERM and drains (only if it is still a Tako node: a pid can be reused).
   */
  public void takeOver() {
    long self = ProcessHandle.current().pid();
    if (System.getenv("NOTIFY_SOCKET") != null) {
      try {
        Process p =
            new ProcessBuilder("systemd-notify", "MAINPID=" + self)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
          LOG.warn("systemd-notify MAINPID={} failed; systemd may still track the old pid", self);
        }
      } catch (Exception e) {
        LOG.warn("cannot run systemd-notify: {}", e.toString());
      }
    }
    Optional<ProcessHandle> old = ProcessHandle.of(predecessor);
    if (old.isEmpty() || !old.get().isAlive()) {
      LOG.info("the previous node process {} is gone already", predecessor);
      return;
    }
    boolean node =
        old.get()
            .info()
            .arguments()
            .map(a -> String.join(" ", a))
            .orElse("")
            .contains("dev.tako.node.Main");
    if (!node) {
      LOG.warn("pid {} is no longer a Tako node; not signalling it", predecessor);
      return;
    }
    LOG.info(
        "took over the proxy ports; the previous node process {} drains and exits", predecessor);
    old.get().destroy();
  }
}
