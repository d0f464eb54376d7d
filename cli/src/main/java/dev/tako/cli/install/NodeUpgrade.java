package dev.tako.cli.install;

import dev.tako.cli.CliException;
import dev.tako.cli.Dist;
import dev.tako.cli.NodeClient;
import dev.tako.cli.Output;
import dev.tako.cli.TakoHome;
import dev.tako.cli.playground.Playground;
import dev.tako.cli.playground.PlaygroundState;
import dev.tako.cli.ssh.ExecResult;
import dev.tako.cli.ssh.HostKeyPolicy;
import dev.tako.cli.ssh.Shell;
import dev.tako.cli.ssh.SshException;
import dev.tako.cli.ssh.SshSession;
import dev.tako.protocol.Version;
import dev.tako.protocol.config.Inventory;
import dev.tako.protocol.config.ServerEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code tako servers upgrade [NAME...]}: one server at a time, the CLI's own node distribution is
 * put on the server beside the running one, checked (its JVM starts and finds the node's main
 * class), swapped in, and the node restarted; the next server waits until this one is back Up in
 * the cluster with the new version, as another member sees it. A distribution that fails the check
 * leaves the server untouched; a node that does not come back is put back on the previous
 * distribution and restarted, and the command stops there (exit 1).
 *
 * <p>The node's process is replaced without a dropped request ({@code POST /v1/node/handover}): the
 * running process lets go of its apps (they keep running), leaves the cluster and starts the new
 * one from the distribution now installed, while its proxy keeps answering; the new process adopts
 * the app instances, listens on the proxy ports beside the old one once they serve, and the old one
 * drains and exits. The apps' pids do not change. A node too old to hand over (404) is restarted
 * instead, its apps with it.
 */
public final class NodeUpgrade {
  private final TakoHome home;
  private final Output out;
  private final Duration timeout;

  public NodeUpgrade(TakoHome home, Output out, Duration timeout) {
    this.home = home;
    this.out = out;
    this.timeout = timeout;
  }

  /** What one server's upgrade did. */
  public record Upgraded(String server, String from, String to, Duration took) {}

  /** Upgrades {@code server}; the others of {@code inventory} confirm it is back. */
  public Upgraded upgrade(Inventory inventory, ServerEntry server) {
    long start = System.nanoTime();
    Map<?, ?> before = ping(server);
    String from = String.valueOf(before.get("version"));
    long oldPid = before.get("pid") instanceof Number n ? n.longValue() : -1;
    List<ServerEntry> others = new ArrayList<>(inventory.servers().values());
    others.removeIf(s -> s.name().equals(server.name()));
    PlaygroundState playground = PlaygroundState.of(home);
    byte[] conf = pinSeeds(server, others);
    try {
      if (playground.node(server.name()).isPresent()) {
        upgradePlaygroundNode(server, others, oldPid);
      } else {
        upgradeOverSsh(server, others, from, oldPid);
      }
    } finally {
      unpinSeeds(server, conf);
    }
    return new Upgraded(
        server.name(), from, Version.VALUE, Duration.ofNanos(System.nanoTime() - start));
  }

  /**
   * A restarting node joins the running cluster through its Up members: were it the first of its
   * own seeds (the first server of a cluster is) it would form a cluster of its own when they do
   * not answer at once. So for the restart its node.conf names them as seeds (a later line wins in
   * HOCON); the original is put back afterwards (it counts again at the next restart, so that a
   * cluster restarted as a whole can still form). Returns the original, or null when nothing was
   * changed (no other member is Up).
   */
  private byte[] pinSeeds(ServerEntry server, List<ServerEntry> others) {
    if (others.isEmpty()) {
      return null;
    }
    List<String> seeds = new ArrayList<>();
    try (NodeClient any = NodeClient.connectAny(others, home, new Output(false))) {
      Map<?, ?> cluster = any.get("/v1/cluster", Map.class, Duration.ofSeconds(10));
      for (Object o : (List<?>) cluster.get("members")) {
        Map<?, ?> m = (Map<?, ?>) o;
        if (!server.name().equals(m.get("server")) && "up".equals(m.get("status"))) {
          seeds.add(String.valueOf(m.get("address")));
        }
      }
    } catch (CliException e) {
      throw CliException.failed(
          "no other server answers ("
              + e.getMessage()
              + "); "
              + server.name()
              + " was not restarted: it could not rejoin the cluster");
    }
    if (seeds.isEmpty()) {
      return null;
    }
    String path = NodeClient.homePath(server, "node.conf");
    try (NodeClient c = NodeClient.connect(server, home, HostKeyPolicy.STRICT)) {
      byte[] original = c.ssh().readFile(path);
      String pinned =
          new String(original, StandardCharsets.UTF_8)
              + "\n# tako servers upgrade: rejoin through the running members\n"
              + withSeeds(seeds)
              + "\n";
      c.ssh().replaceFile(path, pinned.getBytes(StandardCharsets.UTF_8), 0644);
      return original;
    } catch (SshException e) {
      throw CliException.failed(
          "cannot update " + path + " on " + server.name() + ": " + e.getMessage());
    }
  }

  /** The HOCON line that sets the seeds. */
  static String withSeeds(List<String> seeds) {
    return "tako.cluster.seeds = "
        + seeds.stream()
            .map(a -> "\"" + a + "\"")
            .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
  }

  private void unpinSeeds(ServerEntry server, byte[] original) {
    if (original == null) {
      return;
    }
    String path = NodeClient.homePath(server, "node.conf");
    try (NodeClient c = NodeClient.connect(server, home, HostKeyPolicy.STRICT)) {
      c.ssh().replaceFile(path, original, 0644);
    } catch (SshException | CliException e) {
      out.progress(
          "warning: could not restore "
              + path
              + " on "
              + server.name()
              + " ("
              + e.getMessage()
              + "): it keeps the running members as its seeds");
    }
  }

  private Map<?, ?> ping(ServerEntry server) {
    try (NodeClient c = NodeClient.connect(server, home, HostKeyPolicy.STRICT)) {
      return c.get("/v1/ping", Map.class, Duration.ofSeconds(10));
    }
  }

  /**
   * Asks the node's process to hand over to a new one ({@code POST /v1/node/handover}); false when
   * the node is too old to know how (it is restarted instead).
   */
  private boolean handOver(ServerEntry server) {
    try (NodeClient c = NodeClient.connect(server, home, HostKeyPolicy.STRICT)) {
      c.post("/v1/node/handover", Map.of(), Map.class, Duration.ofSeconds(30));
      out.progress("  " + server.name() + ": handing over to a new node process");
      return true;
    } catch (CliException e) {
      if (e.getMessage().contains("(HTTP 404)") || e.getMessage().contains("(HTTP 501)")) {
        // An older node, or one under a systemd unit written before handovers (the restart
        // rewrites the unit: the next upgrade hands over).
        out.progress(
            "  "
                + server.name()
                + ": its node cannot hand over in place; restarting it, apps included");
        return false;
      }
      throw CliException.failed(
          "upgrading "
              + server.name()
              + " failed: it did not start a handover ("
              + e.getMessage()
              + "); it runs its previous node");
    }
  }

  /**
   * A playground node runs from the CLI's own distribution: checked here, then its process handed
   * over to a new one from it (restarted, for a node that cannot hand over).
   */
  private void upgradePlaygroundNode(ServerEntry server, List<ServerEntry> others, long oldPid) {
    Path lib = Dist.nodeLib();
    checkLocally(lib, server.name());
    Playground pg = new Playground(home, out, timeout);
    if (oldPid > 0 && handOver(server)) {
      long newPid = awaitBack(server, others, Version.VALUE, oldPid);
      pg.replaced(server.name(), newPid);
      return;
    }
    pg.stop(server.name());
    try {
      pg.start(server.name());
    } catch (IOException e) {
      throw CliException.failed("cannot restart the node " + server.name() + ": " + e.getMessage());
    }
    awaitBack(server, others, Version.VALUE, -1);
  }

  /** The node's main class starts from {@code lib}: it answers with its usage (exit 2). */
  static void checkLocally(Path lib, String server) {
    try {
      Process p =
          new ProcessBuilder(Dist.java(), "-cp", lib + "/*", "dev.tako.node.Main")
              .redirectErrorStream(true)
              .start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw broken(lib.toString(), server, "its check did not end within 60 s");
      }
      if (!usable(p.exitValue(), output)) {
        throw broken(lib.toString(), server, output);
      }
    } catch (IOException e) {
      throw broken(lib.toString(), server, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failed("interrupted");
    }
  }

  /** The node's main started without a home answers with its usage and exit code 2. */
  static boolean usable(int exit, String output) {
    return exit == 2 && output.contains("usage: dev.tako.node.Main");
  }

  static CliException broken(String lib, String server, String output) {
    String firstLines = String.join("\n", output.strip().lines().limit(3).toList());
    return CliException.failed(
        "the node distribution "
            + lib
            + " does not start ("
            + firstLines
            + "); "
            + server
            + " was left as it was, on its running node; rebuild or reinstall tako and run the"
            + " upgrade again");
  }

  private void upgradeOverSsh(
      ServerEntry server, List<ServerEntry> others, String from, long oldPid) {
    String h = server.home().endsWith("/") ? server.home() : server.home() + "/";
    try (NodeClient c = NodeClient.connect(server, home, HostKeyPolicy.STRICT)) {
      SshSession ssh = c.ssh();
      must(ssh, "rm -rf " + Shell.quote(h + "dist.next"), server, "cleaning up");
      ssh.mkdirs(h + "dist.next/lib");
      out.progress("  " + server.name() + ": uploading the node distribution");
      ssh.uploadTree(Dist.nodeLib(), h + "dist.next/lib");
      ExecResult check =
          ssh.exec(
              "java -cp " + Shell.quote(h + "dist.next/lib/*") + " dev.tako.node.Main 2>&1",
              Duration.ofSeconds(60));
      if (!usable(check.exitStatus(), check.stdout() + check.stderr())) {
        ssh.exec("rm -rf " + Shell.quote(h + "dist.next"), Duration.ofSeconds(30));
        throw broken(h + "dist.next/lib", server.name(), check.stdout() + check.stderr());
      }
      swap(ssh, server, h, "dist.next", "dist.prev");
      NodeInstaller installer = new NodeInstaller(home, out, timeout);
      boolean handedOver = oldPid > 0 && handOver(server);
      try {
        if (!handedOver) {
          installer.start(ssh, server);
        }
        awaitBack(server, others, Version.VALUE, oldPid);
      } catch (CliException e) {
        if (handedOver) {
          // The old process still serves and starts its successor again whenever one exits:
          // with the previous distribution back in place, and the new process stopped, it starts
          // the previous node, which adopts the apps again.
          out.progress(
              "  "
                  + server.name()
                  + ": the new node did not come back; handing over to the previous one");
          swap(ssh, server, h, "dist.prev", "dist.failed");
          ssh.exec(
              "cd "
                  + Shell.quote(h)
                  + " && p=$(cat node.pid 2>/dev/null) && [ \"$p\" != "
                  + oldPid
                  + " ] && kill \"$p\" 2>/dev/null; true",
              Duration.ofSeconds(30));
          try {
            awaitBack(server, others, from, oldPid);
          } catch (CliException again) {
            throw CliException.failed(
                "upgrading "
                    + server.name()
                    + " failed: "
                    + e.getMessage()
                    + "; the previous node did not come back either ("
                    + again.getMessage()
                    + "); its old process still serves the apps; see "
                    + h
                    + "node.log");
          }
          throw onPreviousNode(server, e, h);
        }
        out.progress(
            "  " + server.name() + ": the new node did not come back; restoring the previous one");
        swap(ssh, server, h, "dist.prev", "dist.failed");
        installer.start(ssh, server);
        throw onPreviousNode(server, e, h);
      }
    } catch (SshException e) {
      throw CliException.failed("upgrading " + server.name() + " failed: " + e.getMessage());
    }
  }

  /** The upgrade failed with {@code cause} and the server runs its previous node again. */
  private static CliException onPreviousNode(ServerEntry server, CliException cause, String h) {
    return CliException.failed(
        "upgrading "
            + server.name()
            + " failed: "
            + cause.getMessage()
            + "; it runs its previous node again (the new distribution is in "
            + h
            + "dist.failed)");
  }

  /** {@code dist} becomes {@code aside}, {@code next} becomes {@code dist}. */
  private static void swap(SshSession ssh, ServerEntry server, String h, String next, String aside)
      throws SshException {
    must(
        ssh,
        "cd "
            + Shell.quote(h)
            + " && rm -rf "
            + aside
            + " && mv dist "
            + aside
            + " && mv "
            + next
            + " dist",
        server,
        "swapping the distribution");
  }

  private static void must(SshSession ssh, String script, ServerEntry server, String what)
      throws SshException {
    ExecResult r = ssh.exec(script, Duration.ofSeconds(60));
    if (!r.ok()) {
      throw CliException.failed(
          what + " on " + server.name() + " failed: " + (r.stderr() + r.stdout()).trim());
    }
  }

  /**
   * Waits until the node answers with {@code version} from a process other than {@code oldPid}
   * (when known, else -1) and is Up, and another member (if any) sees it Up with that version.
   *
   * @return the pid of the process that answers (-1 when the node does not say)
   */
  long awaitBack(ServerEntry server, List<ServerEntry> others, String version, long oldPid) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer yet";
    long[] pid = {-1};
    while (System.nanoTime() < deadline) {
      try {
        last = backYet(server, others, version, oldPid, pid);
        if (last == null) {
          return pid[0];
        }
      } catch (CliException e) {
        last = e.getMessage();
      }
      NodeInstaller.pause(Duration.ofMillis(500));
    }
    throw CliException.failed(
        server.name() + " was not back within " + timeout.toSeconds() + " s (" + last + ")");
  }

  /** Null when back; else what is missing. */
  private String backYet(
      ServerEntry server, List<ServerEntry> others, String version, long oldPid, long[] pid) {
    try (NodeClient c = NodeClient.connect(server, home, HostKeyPolicy.STRICT)) {
      Map<?, ?> ping = c.get("/v1/ping", Map.class, Duration.ofSeconds(5));
      pid[0] = ping.get("pid") instanceof Number n ? n.longValue() : -1;
      if (oldPid > 0 && pid[0] == oldPid) {
        return "the old node process still answers";
      }
      if (!version.equals(ping.get("version"))) {
        return "it runs version " + ping.get("version");
      }
      if (!Boolean.TRUE.equals(ping.get("up"))) {
        return "not yet Up in the cluster";
      }
    }
    if (others.isEmpty()) {
      return null;
    }
    try (NodeClient any = NodeClient.connectAny(others, home, new Output(false))) {
      Map<?, ?> cluster = any.get("/v1/cluster", Map.class, Duration.ofSeconds(5));
      for (Object o : (List<?>) cluster.get("members")) {
        Map<?, ?> m = (Map<?, ?>) o;
        if (server.name().equals(m.get("server"))
            && "up".equals(m.get("status"))
            && version.equals(m.get("version"))) {
          return null;
        }
      }
      return any.server().name() + " does not see it Up with version " + version + " yet";
    }
  }
}
