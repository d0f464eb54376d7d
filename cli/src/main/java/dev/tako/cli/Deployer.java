package dev.tako.cli;

import dev.tako.cli.pack.LocalBuild;
import dev.tako.cli.pack.Packer;
import dev.tako.cli.ssh.SshException;
import dev.tako.protocol.Durations;
import dev.tako.protocol.ReleaseIds;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.api.DeployResult;
import dev.tako.protocol.api.RolloutEvent;
import dev.tako.protocol.config.AppConfig;
import dev.tako.protocol.config.AppConfigLoader;
import dev.tako.protocol.config.ConfigError;
import dev.tako.protocol.config.ConfigException;
import dev.tako.protocol.config.EnvConfig;
import dev.tako.protocol.config.Inventory;
import dev.tako.protocol.config.ServerEntry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code tako deploy}: build and pack locally, upload the artifact to every target over SFTP in
 * parallel (skipping servers that hold it already), then ask one node of the environment to roll it
 * out across the cluster and report each server's result. Nothing on a server changes before every
 * upload has finished. A server the CLI cannot reach stops the deploy before the build, or with
 * {@code --skip-unreachable} is left out and reported {@code skipped} ({@link UnreachableServers}).
 */
public final class Deployer {
  private final TakoHome home;
  private final Output out;

  public Deployer(TakoHome home, Output out) {
    this.home = home;
    this.out = out;
  }

  /** Options of one deploy. */
  public record Options(
      Path configFile,
      String env,
      String strategy,
      String canary,
      boolean waitForLock,
      boolean skipUnreachable) {
    public Options(
        Path configFile, String env, String strategy, String canary, boolean waitForLock) {
      this(configFile, env, strategy, canary, waitForLock, false);
    }
  }

  /** Loads and validates tako.toml and the environment's servers; exit 2 on any error. */
  public static AppConfig loadConfig(Path configFile) {
    try {
      return AppConfigLoader.load(configFile);
    } catch (ConfigException e) {
      throw CliException.usage(Servers.stripError(e.getMessage()));
    }
  }

  public DeployResult deploy(Options opts) {
    long t0 = System.nanoTime();
    AppConfig cfg = loadConfig(opts.configFile());
    EnvConfig env;
    try {
      env = cfg.env(opts.env());
    } catch (ConfigException e) {
      throw CliException.usage(Servers.stripError(e.getMessage()));
    }
    Inventory inventory = Servers.load(home);
    List<ConfigError> unknown =
        AppConfigLoader.checkServers(cfg, opts.env(), inventory.servers().keySet());
    if (!unknown.isEmpty()) {
      throw CliException.usage(
          Servers.stripError(
              String.join("\n", unknown.stream().map(ConfigError::render).toList())));
    }
    if (opts.canary() != null && !env.servers().contains(opts.canary())) {
      throw CliException.usage(
          "--canary "
              + opts.canary()
              + " is not one of envs."
              + opts.env()
              + ".servers "
              + env.servers());
    }
    // Reach every server and ask about the lock first: a deploy that would be refused (or would
    // fail on an unreachable server) costs no build and no upload.
    Map<String, String> failures = new LinkedHashMap<>();
    Map<String, NodeClient> clients =
        connectAll(Servers.entries(inventory, env.servers()), failures);
    long tSsh = System.nanoTime();
    try {
      UnreachableServers.Plan plan;
      try {
        plan =
            UnreachableServers.plan(env.servers(), failures, opts.skipUnreachable(), opts.canary());
      } catch (UnreachableServers.Refused r) {
        out.result(r.refusal());
        throw r.exit();
      }
      plan.skipped()
          .forEach(
              (s, why) -> out.progress("  " + s + ": skipped (unreachable)\n      " + why.strip()));
      List<ServerEntry> targets = Servers.entries(inventory, plan.deployTo());
      NodeClient coordinator = coordinator(targets, clients);
      DeployResult locked = awaitLock(coordinator, cfg.name(), opts.env(), opts.waitForLock());
      if (locked != null) {
        return locked;
      }
      String strategy = opts.strategy() != null ? opts.strategy() : env.strategy();
      return UnreachableServers.merge(
          deploy(opts, cfg, env, targets, clients, coordinator, t0, tSsh),
          env.servers(),
          plan,
          strategy);
    } finally {
      clients.values().forEach(NodeClient::close);
    }
  }

  private DeployResult deploy(
      Options opts,
      AppConfig cfg,
      EnvConfig env,
      List<ServerEntry> targets,
      Map<String, NodeClient> clients,
      NodeClient coordinator,
      long t0,
      long tSsh) {
    long tConnected = System.nanoTime();
    String strategy = opts.strategy() != null ? opts.strategy() : env.strategy();
    Path project = opts.configFile().toAbsolutePath().getParent();
    Path work = project.resolve(".tako");
    EnginesCheck.check(
        project, cfg, targets.stream().map(ServerEntry::name).toList(), coordinator, out);
    Packer.Artifact artifact;
    try {
      Path source = LocalBuild.prepare(project, cfg.build().run(), work, out::progress);
      artifact =
          Packer.pack(
              source, cfg.build().include(), cfg.build().exclude(), work.resolve("artifacts"));
    } catch (IOException e) {
      throw CliException.failed("packing the release failed: " + e.getMessage());
    }
    Map<String, String> vars = cfg.varsFor(opts.env());
    String release =
        ReleaseIds.compute(
            artifact.sha256(),
            cfg.startCommand(),
            vars,
            cfg.health(),
            env.routes(),
            env.tls(),
            env.acmeEmail(),
            env.acmeDirectory(),
            cfg.channels());
    out.progress(
        String.format(
            "%s %s: packed %d files, %s (sha256 %s)",
            cfg.name(),
            release,
            artifact.files(),
            human(artifact.size()),
            artifact.sha256().substring(0, 12)));
    long tPacked = System.nanoTime();

    uploadAll(targets, clients, artifact);
    long tUploaded = System.nanoTime();
    List<String> serverOrder = targets.stream().map(ServerEntry::name).toList();
    storeSecrets(coordinator, cfg.name(), opts.env(), project, serverOrder);
    serverOrder = new ArrayList<>(serverOrder);
    if (opts.canary() != null) {
      serverOrder.remove(opts.canary());
      serverOrder.add(0, opts.canary());
    }
    DeployRequest req =
        new DeployRequest(
            cfg.name(),
            opts.env(),
            release,
            artifact.sha256(),
            cfg.startCommand(),
            cfg.health(),
            cfg.instances(),
            Durations.format(cfg.idleTimeout()),
            cfg.release(),
            vars,
            env.routes(),
            serverOrder,
            strategy,
            opts.canary(),
            env.tls(),
            "acme".equals(env.tls()) ? env.acmeEmail() : null,
            "acme".equals(env.tls()) ? env.acmeDirectory() : null,
            who(),
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
            cfg.channels());
    out.progress(
        "rolling out " + release + " (" + strategy + ") via " + coordinator.server().name());
    InstallTiming install = new InstallTiming(Deployer::progress);
    DeployResult result = coordinator.rollout("/v1/deploy", req, Duration.ofMinutes(16), install);
    while (result.locked() && opts.waitForLock()) {
      out.progress("waiting: " + result.error());
      pollPause();
      result = coordinator.rollout("/v1/deploy", req, Duration.ofMinutes(16), install);
    }
    long tDone = System.nanoTime();
    out.progress(
        String.format(
            "timings: connect %.1fs (ssh %.1fs), pack %.1fs, upload %.1fs, rollout %.1fs%s,"
                + " total %.1fs",
            secs(t0, tConnected),
            secs(t0, tSsh),
            secs(tConnected, tPacked),
            secs(tPacked, tUploaded),
            secs(tUploaded, tDone),
            install.timing(),
            secs(t0, tDone)));
    return result;
  }

  /** The first target whose node answers: it coordinates the rollout. */
  private static NodeClient coordinator(
      List<ServerEntry> targets, Map<String, NodeClient> clients) {
    List<String> problems = new ArrayList<>();
    for (ServerEntry s : targets) {
      NodeClient c = clients.get(s.name());
      try {
        c.get("/v1/ping", Map.class, Duration.ofSeconds(10));
        return c;
      } catch (CliException e) {
        problems.add(e.getMessage());
      }
    }
    throw new CliException(
        CliException.UNREACHABLE,
        "no node of the environment answers:\n  " + String.join("\n  ", problems));
  }

  /**
   * Null when no other deploy of the app/env holds the lock (waiting for it with {@code --wait}),
   * else the refusal to report. The rollout takes the lock itself; this only spares a build and an
   * upload that would be refused. A node that cannot say (an older version) lets the deploy go on.
   */
  private DeployResult awaitLock(NodeClient coordinator, String app, String env, boolean wait) {
    for (; ; ) {
      Map<?, ?> answer;
      try {
        answer =
            coordinator.get(
                "/v1/lock?app=" + app + "&env=" + env, Map.class, Duration.ofSeconds(30));
      } catch (CliException e) {
        return null;
      }
      if (!Boolean.TRUE.equals(answer.get("locked"))) {
        return null;
      }
      String error = String.valueOf(answer.get("error"));
      if (!wait) {
        return new DeployResult(false, null, List.of(), error, true);
      }
      out.progress("waiting: " + error);
      pollPause();
    }
  }

  /**
   * The environment's secrets go with the deploy (inside the SSH tunnel) so its new instances start
   * with them; nodes store them sealed and skip an unchanged set.
   */
  private void storeSecrets(
      NodeClient coordinator, String app, String env, Path project, List<String> servers) {
    Map<String, String> values;
    String digest;
    try {
      var file = dev.tako.protocol.secrets.SecretsFile.load(project, app);
      if (!file.has(env)) {
        return;
      }
      byte[] key = new dev.tako.protocol.secrets.SecretKeys(home.keys()).load(app, env);
      values = file.decrypt(env, key);
      digest = dev.tako.protocol.secrets.SecretsFile.digest(values, key);
    } catch (IOException | dev.tako.protocol.crypto.SecretException e) {
      throw CliException.failed(
          "cannot read the secrets of " + app + " (" + env + "): " + e.getMessage());
    }
    // Every server already holds this set: nothing to send.
    Map<?, ?> held =
        coordinator.get(
            "/v1/secrets?app=" + app + "&env=" + env, Map.class, Duration.ofSeconds(30));
    Object digests = held.get("digests");
    if (digests instanceof Map<?, ?> byServer
        && servers.stream().allMatch(s -> digest.equals(byServer.get(s)))) {
      out.progress("  secrets: unchanged on " + String.join(", ", servers) + ", not sent");
      return;
    }
    DeployResult stored =
        coordinator.rollout(
            "/v1/secrets",
            new dev.tako.protocol.api.SecretsRequest(
                app, env, values, servers, who(), false, digest),
            Duration.ofMinutes(2),
            ev -> {});
    if (!stored.ok()) {
      throw CliException.failed(
          "storing the secrets failed, nothing was deployed: "
              + (stored.error() != null ? stored.error() : stored.servers()));
    }
    out.progress("  secrets: " + values.size() + " stored on " + String.join(", ", servers));
  }

  /** Progress lines on stderr as the rollout reports them. */
  public static void progress(RolloutEvent ev) {
    System.err.println(
        "  "
            + ev.server()
            + ": "
            + ev.phase()
            + (ev.detail() == null ? "" : " (" + ev.detail().lines().findFirst().orElse("") + ")"));
  }

  /** The interval between two tries of a locked deploy with --wait. */
  static void pollPause() {
    try {
      java.util.concurrent.TimeUnit.SECONDS.sleep(2);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failed("interrupted while waiting for the other deploy");
    }
  }

  private static double secs(long from, long to) {
    return (to - from) / 1e9;
  }

  /**
   * Connects to every target in parallel; each one that cannot be reached goes into {@code
   * failures} with why (the SSH connect gives up after 5 s).
   */
  private Map<String, NodeClient> connectAll(
      List<ServerEntry> targets, Map<String, String> failures) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, targets.size()));
    Map<String, Future<NodeClient>> futures = new LinkedHashMap<>();
    for (ServerEntry s : targets) {
      // The keeper's kept connections when it runs: a deploy right after another (or after a
      // status) pays no SSH login; else this command's own, and a keeper for the next ones.
      futures.put(s.name(), pool.submit(() -> NodeClient.connectKept(s, home, false)));
    }
    Map<String, NodeClient> clients = new LinkedHashMap<>();
    for (var e : futures.entrySet()) {
      try {
        clients.put(e.getKey(), e.getValue().get());
      } catch (java.util.concurrent.ExecutionException ex) {
        Throwable c = ex.getCause();
        failures.put(e.getKey(), String.valueOf(c.getMessage()));
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        clients.values().forEach(NodeClient::close);
        throw CliException.failed("interrupted");
      }
    }
    pool.shutdown();
    dev.tako.cli.keeper.Keeper.of(home)
        .filter(k -> !k.running())
        .ifPresent(k -> k.start(List.copyOf(clients.keySet())));
    return clients;
  }

  /** Uploads the artifact to every target in parallel (skipped where it is already there). */
  private void uploadAll(
      List<ServerEntry> targets, Map<String, NodeClient> clients, Packer.Artifact artifact) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, targets.size()));
    Map<String, Future<?>> futures = new LinkedHashMap<>();
    ProgressBar bar = new ProgressBar(out, "uploading", artifact.size() * targets.size());
    for (ServerEntry s : targets) {
      futures.put(
          s.name(), pool.submit(() -> upload(s, clients.get(s.name()), artifact, bar), null));
    }
    List<String> problems = new ArrayList<>();
    for (var e : futures.entrySet()) {
      try {
        e.getValue().get();
      } catch (java.util.concurrent.ExecutionException ex) {
        problems.add(ex.getCause().getMessage());
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw CliException.failed("interrupted");
      }
    }
    pool.shutdown();
    bar.close();
    if (!problems.isEmpty()) {
      throw CliException.failed(
          "the upload failed, nothing was changed on any server:\n  "
              + String.join("\n  ", problems));
    }
  }

  private void upload(ServerEntry s, NodeClient c, Packer.Artifact artifact, ProgressBar bar) {
    try {
      String dir = NodeClient.homePath(s, "artifacts");
      String remote = dir + "/" + artifact.sha256() + ".tar.gz";
      long t = System.nanoTime();
      long[] last = {0};
      boolean sent =
          c.uploadIfMissing(
              artifact.file(),
              remote,
              n -> {
                bar.add(n - last[0]);
                last[0] = n;
              });
      bar.add(artifact.size() - last[0]); // the last progress report may come before the end
      if (!sent) {
        out.progress("  " + s.name() + ": artifact already there, upload skipped");
        return;
      }
      out.progress(
          String.format(
              "  %s: uploaded %s in %.1fs",
              s.name(), human(artifact.size()), (System.nanoTime() - t) / 1e9));
    } catch (SshException e) {
      throw CliException.failed("uploading to " + s.name() + " failed: " + e.getMessage());
    }
  }

  public static String who() {
    String user = System.getProperty("user.name", "unknown");
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "localhost";
    }
    return user + "@" + host;
  }

  public static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return String.format("%.1f KiB", bytes / 1024.0);
    }
    return String.format("%.1f MiB", bytes / (1024.0 * 1024));
  }

  /** Prints a deploy result for people and returns the exit code. */
  public static int report(DeployResult result, Output out, String app) {
    out.result(result);
    if (result.error() != null) {
      System.err.println("error: " + result.error());
      return CliException.FAILED;
    }
    int width = 4;
    for (var s : result.servers()) {
      width = Math.max(width, s.server().length());
    }
    for (var s : result.servers()) {
      String mark =
          switch (s.result()) {
            case "switched", "unchanged" -> out.green(s.result());
            case "failed" -> out.red(s.result());
            case UnreachableServers.SKIPPED -> s.result() + " (unreachable)";
            default -> s.result();
          };
      out.line(String.format("  %-" + width + "s  %s", s.server(), mark));
      if (s.error() != null && !UnreachableServers.SKIPPED.equals(s.result())) {
        for (String line : s.error().split("\n")) {
          out.line("      " + line);
        }
      }
    }
    if (result.ok()) {
      List<String> skipped =
          result.servers().stream()
              .filter(s -> UnreachableServers.SKIPPED.equals(s.result()))
              .map(DeployResult.ServerResult::server)
              .toList();
      out.line(
          out.bold(
              (result.release() == null
                      ? "restarted " + app + " with its secrets"
                      : "deployed " + app + " " + result.release())
                  + (skipped.isEmpty()
                      ? ""
                      : " (" + String.join(", ", skipped) + " skipped: unreachable)")));
      return 0;
    }
    // A diagnostic, so on stderr also with --json (SPEC §2); the JSON on stdout has the details.
    out.progress(
        "error: the deploy of "
            + app
            + " "
            + result.release()
            + " failed; "
            + (result.servers().stream().anyMatch(s -> "rolled-back".equals(s.result()))
                ? "the servers it reached were switched back,"
                : "nothing was switched,")
            + " the previous release keeps serving");
    return CliException.FAILED;
  }
}
