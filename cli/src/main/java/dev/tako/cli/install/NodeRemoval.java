package dev.tako.cli.install;

import dev.tako.cli.CliException;
import dev.tako.cli.NodeClient;
import dev.tako.cli.Output;
import dev.tako.cli.TakoHome;
import dev.tako.cli.playground.Playground;
import dev.tako.cli.playground.PlaygroundState;
import dev.tako.cli.ssh.ExecResult;
import dev.tako.cli.ssh.HostKeyPolicy;
import dev.tako.cli.ssh.Shell;
import dev.tako.cli.ssh.SshException;
import dev.tako.protocol.config.Inventory;
import dev.tako.protocol.config.ServerEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code tako servers rm NAME [--uninstall]}: the server's node leaves the cluster gracefully (it
 * stops its apps and exits once removed; downed when it cannot leave by itself), and with {@code
 * --uninstall} its service, its app processes and its home are removed from the server over SSH.
 */
public final class NodeRemoval {
  /** How long a graceful leave may take before the member is downed. */
  static final Duration LEAVE_WAIT = Duration.ofSeconds(20);

  private final TakoHome home;
  private final Output out;

  public NodeRemoval(TakoHome home, Output out) {
    this.home = home;
    this.out = out;
  }

  /**
   * Takes {@code name} out of the cluster, asking another server when one answers; returns whether
   * the cluster confirmed it (false: nothing reachable, or the member is still listed).
   */
  public boolean leave(Inventory inventory, String name) {
    List<ServerEntry> others = new ArrayList<>(inventory.servers().values());
    others.removeIf(s -> s.name().equals(name));
    if (others.isEmpty()) {
      // the last server: it leaves a cluster of one, and its node stops
      try (NodeClient self =
          NodeClient.connect(inventory.get(name).get(), home, HostKeyPolicy.STRICT)) {
        self.post("/v1/leave", Map.of("server", name), Map.class, Duration.ofSeconds(10));
        return true;
      } catch (CliException e) {
        out.progress("warning: could not reach " + name + ": " + e.getMessage());
        return false;
      }
    }
    try (NodeClient c = NodeClient.connectAny(others, home, out)) {
      c.post("/v1/leave", Map.of("server", name), Map.class, Duration.ofSeconds(10));
      out.progress("  " + name + " is leaving the cluster (asked " + c.server().name() + ")");
      if (awaitGone(c, name, LEAVE_WAIT)) {
        return true;
      }
      out.progress(
          "  " + name + " did not leave within " + LEAVE_WAIT.toSeconds() + " s; downing it");
      c.post("/v1/leave", Map.of("server", name, "down", true), Map.class, Duration.ofSeconds(10));
      return awaitGone(c, name, Duration.ofSeconds(15));
    } catch (CliException e) {
      out.progress("warning: could not take " + name + " out of the cluster: " + e.getMessage());
      return false;
    }
  }

  private static boolean awaitGone(NodeClient c, String name, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline) {
      Map<?, ?> cluster = c.get("/v1/cluster", Map.class, Duration.ofSeconds(5));
      boolean listed =
          ((List<?>) cluster.get("members"))
              .stream().anyMatch(m -> name.equals(((Map<?, ?>) m).get("server")));
      if (!listed) {
        return true;
      }
      NodeInstaller.pause(Duration.ofMillis(300));
    }
    return false;
  }

  /**
   * Removes the node from the server: its service (systemd unit or detached process), every app
   * process it ran (by their pid files, checked to be ours), and its home. In the playground the
   * node's process and home on this machine.
   */
  public void uninstall(ServerEntry entry) {
    PlaygroundState playground = PlaygroundState.of(home);
    if (playground.node(entry.name()).isPresent()) {
      new Playground(home, out, Duration.ofSeconds(30)).remove(entry.name());
      out.progress("  removed the playground node " + entry.name() + " and its home");
      return;
    }
    try (NodeClient c = NodeClient.connect(entry, home, HostKeyPolicy.STRICT)) {
      ExecResult r =
          c.ssh()
              .exec(
                  uninstallScript(entry.home(), "tako-node-" + entry.name()),
                  Duration.ofSeconds(120));
      if (!r.ok()) {
        throw CliException.failed(
            "uninstalling the node on "
                + entry.name()
                + " failed: "
                + (r.stderr() + r.stdout()).trim());
      }
      out.progress("  " + entry.name() + ": " + r.stdout().trim());
    } catch (SshException e) {
      throw CliException.failed(
          "cannot reach " + entry.name() + " over SSH to uninstall its node: " + e.getMessage());
    }
  }

  /**
   * The shell script that uninstalls a node whose home is {@code nodeHome}. Refuses a folder that
   * holds no {@code node.conf}, so a wrong home never gets deleted. App processes are stopped only
   * when {@code /proc/PID/environ} names their instance (a recycled pid is left alone), with their
   * children; SIGKILL after 10 s.
   */
  static String uninstallScript(String nodeHome, String unit) {
    String h =
        Shell.quote(
            nodeHome.endsWith("/") && nodeHome.length() > 1
                ? nodeHome.substring(0, nodeHome.length() - 1)
                : nodeHome);
    return String.join(
        "\n",
        "H=" + h + "; U=" + Shell.quote(unit),
        "if [ -z \"$H\" ] || [ \"$H\" = / ] || [ ! -f \"$H/node.conf\" ]; then"
            + " echo \"$H is not a tako node's home (no node.conf); nothing removed\" >&2; exit 1; fi",
        "if command -v systemctl >/dev/null 2>&1 && [ -f \"/etc/systemd/system/$U.service\" ]; then",
        "  systemctl disable --now \"$U\" >/dev/null 2>&1",
        "  rm -f \"/etc/systemd/system/$U.service\"; systemctl daemon-reload",
        "fi",
        "if [ -f \"$H/node.pid\" ]; then",
        "  p=$(cat \"$H/node.pid\"); kill \"$p\" 2>/dev/null",
        "  i=0; while kill -0 \"$p\" 2>/dev/null && [ $i -lt 90 ]; do sleep 0.5; i=$((i+1)); done",
        "  kill -9 \"$p\" 2>/dev/null",
        "fi",
        "pids=''",
        "for f in \"$H\"/run/*.pid; do",
        "  [ -f \"$f\" ] || continue",
        "  id=$(basename \"$f\" .pid); p=$(cat \"$f\")",
        "  if tr '\\0' '\\n' < \"/proc/$p/environ\" 2>/dev/null | grep -qx \"TAKO_INSTANCE=$id\"; then",
        "    pids=\"$pids $p $(pgrep -P \"$p\" 2>/dev/null | tr '\\n' ' ')\"",
        "  fi",
        "done",
        "[ -n \"$pids\" ] && kill $pids 2>/dev/null",
        "i=0; for p in $pids; do while kill -0 \"$p\" 2>/dev/null && [ $i -lt 20 ]; do sleep 0.5;"
            + " i=$((i+1)); done; done",
        "[ -n \"$pids\" ] && kill -9 $pids 2>/dev/null",
        "rm -rf \"$H\" && echo \"node stopped, its apps stopped, $H removed\"");
  }
}
