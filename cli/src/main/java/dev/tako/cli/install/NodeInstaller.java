package dev.tako.cli.install;

import dev.tako.cli.CliException;
import dev.tako.cli.Dist;
import dev.tako.cli.NodeClient;
import dev.tako.cli.NodeFiles;
import dev.tako.cli.Output;
import dev.tako.cli.TakoHome;
import dev.tako.cli.ssh.ExecResult;
import dev.tako.cli.ssh.HostKeyPolicy;
import dev.tako.cli.ssh.SshException;
import dev.tako.cli.ssh.SshSession;
import dev.tako.cli.tls.ClusterCa;
import dev.tako.protocol.config.Inventory;
import dev.tako.protocol.config.NodeConf;
import dev.tako.protocol.config.ServerEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code tako servers add --install}: puts a node on a real server over SSH/SFTP — the node
 * distribution, {@code node.conf}, its cluster certificate — starts it (a systemd unit where
 * systemd runs, else a detached process) and waits until it is an Up member of the cluster. Seeds
 * are the members of the existing cluster, asked from any reachable server of the inventory.
 */
public final class NodeInstaller {
  private final TakoHome home;
  private final Output out;
  private final Duration timeout;

  public NodeInstaller(TakoHome home, Output out, Duration timeout) {
    this.home = home;
    this.out = out;
    this.timeout = timeout;
  }

  public void install(NodeClient client, ServerEntry entry, Inventory inventory, int clusterPort)
      throws IOException, SshException {
    SshSession ssh = client.ssh();
    ExecResult java = ssh.exec("java -version", Duration.ofSeconds(30));
    if (!java.ok()) {
      throw CliException.failed(
          "Java 17+ is not installed on "
              + entry.name()
              + " (java -version: "
              + (java.stderr() + java.stdout()).trim()
              + "); install it first, e.g. apt-get install -y openjdk-17-jre-headless");
    }
    String host = client.ssh().target().host();
    List<String> seeds = seeds(inventory, host + ":" + clusterPort);
    out.progress(
        "installing a node on " + entry.name() + " (seeds: " + String.join(", ", seeds) + ")");

    String nodeHome = entry.home();
    ssh.mkdirs(nodeHome + "/tls");
    ssh.mkdirs(nodeHome + "/dist/lib");
    ssh.uploadTree(Dist.nodeLib(), nodeHome + "/dist/lib");
    NodeFiles.TlsFiles tls =
        NodeFiles.TlsFiles.issue(ClusterCa.loadOrCreate(home.clusterCa()), entry.name());
    ssh.writeFile(nodeHome + "/tls/node.key", tls.key().getBytes(StandardCharsets.UTF_8), 0600);
    ssh.writeFile(nodeHome + "/tls/node.crt", tls.cert().getBytes(StandardCharsets.UTF_8), 0644);
    ssh.writeFile(nodeHome + "/tls/ca.crt", tls.caCert().getBytes(StandardCharsets.UTF_8), 0644);
    NodeConf conf =
        new NodeConf(
            entry.name(),
            entry.region(),
            host,
            NodeConf.DEFAULT_PROXY_INTERFACE,
            entry.apiPort(),
            entry.httpPort(),
            entry.httpsPort(),
            NodeConf.DEFAULT_METRICS_PORT,
            0,
            host,
            clusterPort,
            seeds,
            null);
    ssh.writeFile(nodeHome + "/node.conf", conf.render().getBytes(StandardCharsets.UTF_8), 0644);
    start(ssh, entry);
    awaitUp(client, entry);
  }

  private List<String> seeds(Inventory inventory, String self) {
    List<String> seeds = new ArrayList<>();
    if (!inventory.servers().isEmpty()) {
      try (NodeClient any =
          NodeClient.connectAny(new ArrayList<>(inventory.servers().values()), home, out)) {
        Map<?, ?> cluster = any.get("/v1/cluster", Map.class, Duration.ofSeconds(10));
        for (Object m : (List<?>) cluster.get("members")) {
          Map<?, ?> member = (Map<?, ?>) m;
          if ("up".equals(member.get("status"))) {
            seeds.add(String.valueOf(member.get("address")));
          }
        }
      }
    }
    if (seeds.isEmpty()) {
      seeds.add(self); // the first server forms the cluster
    }
    return seeds;
  }

  /** The JVM flags of an installed node. */
  static final String NODE_JAVA_OPTS =
      "-Xms32m -Xmx256m -Xmn48m -XX:+UseSerialGC -Xss512k -XX:ReservedCodeCacheSize=48m "
          + Dist.NODE_IDLE_OPTS;

  void start(SshSession ssh, ServerEntry entry) throws SshException {
    String h = entry.home();
    // Memory: the proxy stays under 300 MB RSS at 1000 HTTPS connections with these (BENCH.md
    // method, bench/proxy-vs-nginx.sh uses the same flags).
    String javaCmd =
        "env MALLOC_ARENA_MAX="
            + Dist.NODE_MALLOC_ARENA_MAX
            + " java "
            + NODE_JAVA_OPTS
            + " -cp '"
            + h
            + "/dist/lib/*' dev.tako.node.Main "
            + h;
    ExecResult systemd =
        ssh.exec("test -d /run/systemd/system && command -v systemctl", Duration.ofSeconds(10));
    String unit = "tako-node-" + entry.name();
    String script;
    if (systemd.ok()) {
      String unitText =
          "[Unit]\nDescription=Tako node "
              + entry.name()
              + "\nAfter=network-online.target\n\n"
              + "[Service]\nExecStart=/bin/sh -c \"exec "
              + javaCmd.replace("'", "")
              + "\"\n"
              + "WorkingDirectory="
              + h
              // KillMode=process: app processes outlive a restart of the node, which adopts them
              // (it stops them itself on a plain stop); NotifyAccess=all: the process a handover
              // starts becomes the unit's main process (systemd-notify MAINPID=).
              + "\nRestart=always\nRestartSec=2\nKillMode=process\nNotifyAccess=all\n"
              + "TimeoutStopSec=45\n\n[Install]\nWantedBy=multi-user.target\n";
      ssh.writeFile(
          "/etc/systemd/system/" + unit + ".service",
          unitText.getBytes(StandardCharsets.UTF_8),
          0644);
      script =
          "systemctl daemon-reload && systemctl enable " + unit + " && systemctl restart " + unit;
    } else {
      // No systemd: a detached process; an old one is stopped first (by its pid file).
      script =
          "cd "
              + h
              + " && if [ -f node.pid ] && kill -0 $(cat node.pid) 2>/dev/null; then"
              + " kill $(cat node.pid); for i in $(seq 1 60); do kill -0 $(cat node.pid) 2>/dev/null || break; sleep 0.5; done; fi;"
              + " nohup setsid "
              + javaCmd
              + " >> "
              + h
              + "/node.log 2>&1 < /dev/null & echo started";
    }
    ExecResult r = ssh.exec(script, Duration.ofSeconds(90));
    if (!r.ok()) {
      throw CliException.failed(
          "starting the node on " + entry.name() + " failed: " + (r.stderr() + r.stdout()).trim());
    }
    out.progress(
        "  node started on " + entry.name() + (systemd.ok() ? " (systemd unit " + unit + ")" : ""));
  }

  private void awaitUp(NodeClient client, ServerEntry entry) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      try (NodeClient c = NodeClient.connect(entry, home, HostKeyPolicy.STRICT)) {
        Map<?, ?> ping = c.get("/v1/ping", Map.class, Duration.ofSeconds(5));
        if (Boolean.TRUE.equals(ping.get("up"))) {
          out.progress("  " + entry.name() + " joined the cluster");
          return;
        }
        last = "not yet Up in the cluster";
      } catch (CliException e) {
        last = e.getMessage();
      }
      pause(Duration.ofMillis(500));
    }
    throw CliException.failed(
        "the node on "
            + entry.name()
            + " did not join within "
            + timeout.toSeconds()
            + " s ("
            + last
            + "); see "
            + entry.home()
            + "/node.log on the server");
  }

  /** Waits between two looks at a remote node. */
  static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failed("interrupted");
    }
  }
}
