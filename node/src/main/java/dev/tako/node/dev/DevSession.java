package dev.tako.node.dev;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tako.protocol.config.AppConfig;
import dev.tako.protocol.config.AppConfigLoader;
import dev.tako.protocol.config.ConfigException;
import dev.tako.protocol.crypto.SecretException;
import dev.tako.protocol.ports.InstancePorts;
import dev.tako.protocol.secrets.SecretKeys;
import dev.tako.protocol.secrets.SecretsFile;
import dev.tako.protocol.tls.CaFiles;
import dev.tako.supervisor.AppSupervisor;
import dev.tako.supervisor.InstanceState;
import dev.tako.supervisor.SupervisorSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * One {@code tako dev} run (SPEC §8, issue 7): loads tako.toml and the development secrets into a
 * {@link DevPlan}, runs the app through a {@link DevRunner} (a Pekko actor system that lives only
 * in this process), registers its routes with the machine's {@link DevProxy} (started if needed),
 * streams its logs ({@link LogTail}) and reacts, on one thread, to what happens:
 *
 * <ul>
 *   <li>tako.toml or {@code .tako/secrets.json} changed (polled every {@link #POLL}, acted on once
 *       the content is stable for one poll): a new process when the command, environment or health
 *       path changed; new routes only when only the routes changed; an invalid file prints its
 *       errors and keeps the running app;
 *   <li>the app became ready or went away: the registration follows (while not ready, requests wait
 *       for it); a crash is reported with its exit code and last stderr lines, and the supervisor
 *       restarts it with backoff;
 *   <li>keys on a TTY: {@code r} restarts, {@code q} stops;
 *   <li>SIGINT, SIGTERM, SIGHUP: the app and its process tree are stopped (SIGTERM, SIGKILL after
 *       {@code term-grace}), the registration closes, exit 0;
 *   <li>the proxy went away (killed): a new one is started and the app registered again.
 * </ul>
 *
 * <p>App state lives in the app directory under {@code .tako/dev/} ({@code data/} is {@code
 * TAKO_DATA_DIR} and survives runs; {@code logs/} is cleared at start).
 */
public final class DevSession {
  static final Duration POLL = Duration.ofMillis(250);
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);

  /** What the session's loop reacts to. */
  private sealed interface Event {}

  private record FilesChanged() implements Event {}

  private record Key(int code) implements Event {}

  private record Endpoints(AppSupervisor.EndpointsChanged event, Instant at) implements Event {}

  private record Tick() implements Event {}

  private record ProxyLost() implements Event {}

  private record StopRequested(String why) implements Event {}

  private final Path home;
  private final Path configFile;
  private final Path appDir;
  private final int port;
  private final DevConsole console;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final SupervisorSettings settings = settings();

  private DevPlan plan;
  private int generation;
  private Instant generationStarted;
  private int upstreamPort;
  private Instant readyAt;
  private long failures;
  private String reportedFailure;
  private String reportedReady;
  private boolean stopping;
  private DevProxyClient proxy;
  private long reconnectAt;
  private ActorSystem<DevRunner.Command> system;

  public DevSession(Path home, Path configFile, int port, DevConsole console) {
    this.home = home;
    this.configFile = configFile;
    this.appDir = configFile.toAbsolutePath().normalize().getParent();
    this.port = port;
    this.console = console;
  }

  /** Asks a running session to stop as Ctrl-C does ({@code why} names the cause); any thread. */
  public void stop(String why) {
    events.add(new StopRequested(why));
  }

  /** Runs until stopped; the exit code (0 after Ctrl-C, q or SIGTERM). */
  public int run() {
    // Watched from before the first read: a save while starting is acted on, not missed.
    FileWatch watch =
        new FileWatch(List.of(configFile, appDir.resolve(".tako").resolve("secrets.json")));
    AppConfig config = loadConfig();
    DevCa ca = ca(home);
    Path state = appDir.resolve(".tako").resolve("dev");
    Path logs = state.resolve("logs");
    Path data = state.resolve("data");
    try {
      clear(logs);
      Files.createDirectories(data);
    } catch (IOException e) {
      throw DevException.failed("cannot prepare " + state + ": " + e.getMessage());
    }
    plan = plan(config, data);
    console.app(plan.app());
    for (String host : plan.hostsNeedingResolution()) {
      console.warn(
          host
              + " does not resolve to this machine by itself: add \"127.0.0.1 "
              + host
              + "\" to /etc/hosts");
    }

    // The proxy (a JVM of its own when none runs yet) starts while this one starts the app.
    DevProxyFiles files = new DevProxyFiles(home.resolve("dev"), port);
    DevProxy.Register first = register();
    CompletableFuture<DevProxyClient> connecting =
        CompletableFuture.supplyAsync(
            () -> DevProxyClient.connect(files, home, first, this::proxyLost));
    system =
        ActorSystem.create(
            DevRunner.create(settings, e -> events.add(new Endpoints(e, Instant.now()))),
            "tako-dev",
            config());
    LogTail tail = new LogTail(logs, console::appLine).start();
    ScheduledExecutorService ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tako-dev-watch");
              t.setDaemon(true);
              return t;
            });
    try {
      console.info("starting " + plan.app() + ": " + String.join(" ", plan.command()));
      startGeneration(logs, state.resolve("run"));
      installSignals();
      if (console.tty()) {
        console.readKeys(c -> events.add(new Key(c)));
      }
      proxy = joinProxy(connecting);
      if (proxy == null) {
        return 0; // stopped while the proxy started
      }
      for (String url : plan.urls(port)) {
        console.good(plan.app() + " → " + url);
      }
      if (!Files.exists(CaFiles.trustedMarker(ca.certFile()))) {
        console.info(
            "certificates come from the local CA "
                + ca.certFile()
                + "; run `tako dev trust` once so browsers trust it");
      }
      if (console.tty()) {
        console.info("keys: r restart, q quit");
      }
      ticker.scheduleWithFixedDelay(
          () -> {
            if (watch.changed()) {
              events.add(new FilesChanged());
            }
            events.add(new Tick());
          },
          POLL.toMillis(),
          POLL.toMillis(),
          TimeUnit.MILLISECONDS);
      loop(data, logs, state.resolve("run"));
      return 0;
    } finally {
      stopping = true;
      ticker.shutdownNow();
      stopApp();
      if (proxy != null) {
        proxy.close();
      }
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // exiting anyway
      }
      tail.close();
      console.close();
      console.info("stopped " + plan.app());
    }
  }

  private void loop(Path data, Path logs, Path run) {
    while (true) {
      Event event;
      try {
        event = events.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (event instanceof StopRequested s) {
        stopping = true;
        console.info(s.why() + ": stopping " + plan.app());
        return;
      } else if (event instanceof Key k) {
        if (k.code() == 'q' || k.code() == 'Q' || k.code() == 4) {
          events.add(new StopRequested("q"));
        } else if (k.code() == 'r' || k.code() == 'R') {
          console.info("restarting " + plan.app());
          startGeneration(logs, run);
        }
      } else if (event instanceof FilesChanged) {
        onFilesChanged(data, logs, run);
      } else if (event instanceof Endpoints e) {
        onEndpoints(e.event(), e.at());
      } else if (event instanceof Tick) {
        report();
        if (proxy == null && System.nanoTime() >= reconnectAt) {
          reconnect();
        }
      } else if (event instanceof ProxyLost) {
        if (!stopping) {
          console.warn("the dev proxy went away; starting it again");
          proxy = null;
          reconnect();
        }
      }
    }
  }

  private void onFilesChanged(Path data, Path logs, Path run) {
    AppConfig config;
    try {
      config = AppConfigLoader.load(configFile);
    } catch (ConfigException e) {
      console.error(DevException.stripError(e.getMessage()));
      console.warn("still running the previous configuration; fix the file and save it again");
      return;
    }
    DevPlan next;
    try {
      next = plan(config, data);
    } catch (DevException e) {
      console.error(e.getMessage());
      console.warn("still running the previous configuration");
      return;
    }
    DevPlan before = plan;
    plan = next;
    console.app(next.app());
    if (!next.sameProcess(before)) {
      console.info("configuration changed: restarting " + next.app());
      startGeneration(logs, run);
    }
    if (!next.routes().equals(before.routes()) || !next.app().equals(before.app())) {
      if (next.sameProcess(before)) {
        console.info("routes changed (no restart needed)");
      }
      sendRegistration();
      for (String url : next.urls(port)) {
        console.good(next.app() + " → " + url);
      }
    } else if (next.sameProcess(before)) {
      console.info("configuration saved; nothing " + next.app() + " sees changed");
    }
  }

  private void startGeneration(Path logs, Path run) {
    generation++;
    generationStarted = Instant.now();
    upstreamPort = 0;
    reportedReady = null;
    if (proxy != null) {
      sendRegistration();
    }
    system.tell(new DevRunner.Run(plan.spec("dev-" + generation, appDir, logs, run)));
  }

  private void onEndpoints(AppSupervisor.EndpointsChanged event, Instant at) {
    int now = event.endpoints().isEmpty() ? 0 : event.endpoints().get(0).port();
    if (now != upstreamPort) {
      upstreamPort = now;
      readyAt = at;
      sendRegistration();
      if (now > 0) {
        report();
      }
    }
  }

  /** Says what changed in the instance: ready, or failed (exit code, last stderr). */
  private void report() {
    if (stopping) {
      return;
    }
    AppSupervisor.AppStatus status;
    try {
      status =
          AskPattern.<DevRunner.Command, AppSupervisor.AppStatus>ask(
                  system, DevRunner.GetStatus::new, ASK_TIMEOUT, system.scheduler())
              .toCompletableFuture()
              .get(ASK_TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      return;
    }
    for (AppSupervisor.InstanceStatus i : status.instances()) {
      if (!Objects.equals(status.release(), i.release())) {
        continue;
      }
      if (i.state() == InstanceState.READY && i.pid() != null) {
        String key = i.id() + "/" + i.pid();
        if (!key.equals(reportedReady)) {
          reportedReady = key;
          Instant since = i.restarts() == 0 ? generationStarted : i.startedAt();
          Instant until = readyAt != null ? readyAt : Instant.now();
          double seconds =
              since == null ? 0 : Math.max(0, Duration.between(since, until).toMillis()) / 1000.0;
          console.good(
              String.format(
                  "%s ready in %.1fs (pid %d)%s",
                  plan.app(),
                  seconds,
                  i.pid(),
                  i.restarts() > 0 ? " after " + i.restarts() + " restart(s)" : ""));
        }
      } else if (i.reason() != null && !processAlive(i.pid())) {
        // One report per process that failed (its pid), or per attempt when none started.
        String key = i.id() + "/" + (i.pid() != null ? "pid" + i.pid() : "try" + i.restarts());
        if (!key.equals(reportedFailure)) {
          reportedFailure = key;
          failures++;
          sendRegistration();
          StringBuilder text = new StringBuilder(plan.app() + ": " + describe(i));
          text.append(
              i.state() == InstanceState.FAILED
                  ? "; it keeps failing: restarting with backoff (fix it, or press r)"
                  : "; restarting");
          List<String> stderr = i.lastStderr();
          if (!stderr.isEmpty()) {
            text.append("\nlast stderr:");
            stderr
                .subList(Math.max(0, stderr.size() - 3), stderr.size())
                .forEach(l -> text.append("\n  ").append(l));
          }
          console.warn(text.toString());
        }
      }
    }
  }

  /** The reason with the signal named when the exit code says the process was killed. */
  static String describe(AppSupervisor.InstanceStatus i) {
    String reason = i.reason();
    Integer code = i.exitCode();
    if (code != null && code > 128 && code <= 128 + 31) {
      String name =
          switch (code - 128) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 6 -> "SIGABRT";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 15 -> "SIGTERM";
            default -> "signal " + (code - 128);
          };
      reason += " (killed by " + name + ")";
    }
    return reason;
  }

  private static boolean processAlive(Long pid) {
    return pid != null && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private DevProxy.Register register() {
    return new DevProxy.Register(
        null,
        plan.app(),
        appDir.toString(),
        ProcessHandle.current().pid(),
        plan.routes(),
        upstreamPort,
        failures);
  }

  /** Sends the current state; false (and a message) when the proxy refused it. */
  private boolean sendRegistration() {
    DevProxyClient p = proxy;
    if (p == null) {
      return true; // sent on reconnect
    }
    try {
      DevProxy.Reply reply = p.send(register());
      if (!reply.ok()) {
        console.error(reply.error());
        return false;
      }
    } catch (IOException e) {
      // the reader reports the loss
    }
    return true;
  }

  /**
   * The registration made in the background, or its failure as the CLI reports it; null when a stop
   * was requested meanwhile (Ctrl-C while the proxy starts).
   */
  private DevProxyClient joinProxy(CompletableFuture<DevProxyClient> connecting) {
    while (true) {
      try {
        return connecting.get(100, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        if (events.stream().anyMatch(ev -> ev instanceof StopRequested)) {
          connecting.thenAccept(DevProxyClient::close);
          return null;
        }
      } catch (ExecutionException e) {
        if (e.getCause() instanceof DevException c) {
          throw c;
        }
        throw DevException.failed("cannot reach the tako dev proxy: " + e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }

  private void proxyLost() {
    events.add(new ProxyLost());
  }

  private void reconnect() {
    try {
      proxy =
          DevProxyClient.connect(
              new DevProxyFiles(home.resolve("dev"), port), home, register(), this::proxyLost);
      console.info("registered " + plan.app() + " with the dev proxy again");
    } catch (DevException e) {
      console.error(e.getMessage() + " (trying again)");
      reconnectAt = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    }
  }

  private void stopApp() {
    if (system == null) {
      return;
    }
    Duration wait = settings.termGrace().plusSeconds(5);
    try {
      AskPattern.<DevRunner.Command, org.apache.pekko.Done>ask(
              system, DevRunner.Stop::new, wait, system.scheduler())
          .toCompletableFuture()
          .get(wait.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      console.warn("the app did not stop in time; terminating it");
    }
  }

  private void installSignals() {
    for (String name : List.of("INT", "TERM", "HUP")) {
      try {
        sun.misc.Signal.handle(
            new sun.misc.Signal(name), s -> events.add(new StopRequested("SIG" + name)));
      } catch (IllegalArgumentException e) {
        // not available on this platform: the JVM's default handling still ends the process
      }
    }
  }

  private AppConfig loadConfig() {
    if (!Files.exists(configFile)) {
      throw DevException.usage(
          configFile
              + " does not exist; run tako dev in an app directory (tako init writes a tako.toml)");
    }
    try {
      return AppConfigLoader.load(configFile);
    } catch (ConfigException e) {
      throw DevException.usage(DevException.stripError(e.getMessage()));
    }
  }

  private DevPlan plan(AppConfig config, Path data) {
    return DevPlan.of(config, secrets(config.name()), System.getenv(), data);
  }

  /** The development secrets in clear (empty without any). */
  private Map<String, String> secrets(String app) {
    try {
      SecretsFile file = SecretsFile.load(appDir, app);
      if (!file.has(DevPlan.ENV)) {
        return Map.of();
      }
      byte[] key = new SecretKeys(home.resolve("keys")).load(app, DevPlan.ENV);
      return file.decrypt(DevPlan.ENV, key);
    } catch (IOException | SecretException e) {
      throw DevException.usage("the development secrets cannot be read: " + e.getMessage());
    }
  }

  /** The dev CA of {@code home} (the CLI creates it); a broken one is a failure (exit 1). */
  public static DevCa ca(Path home) {
    try {
      return DevCa.load(home.resolve("ca"));
    } catch (IOException e) {
      throw DevException.failed(e.getMessage());
    }
  }

  private static void clear(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
    }
    Files.createDirectories(dir);
  }

  /**
   * The supervisor's timers for development: ready at the first 2xx (no stability window), no
   * replacement for failed health checks once ready (a debugger may hold the app at a breakpoint),
   * quick restarts (0.5 s doubling up to 10 s) and a short grace before SIGKILL.
   */
  static SupervisorSettings settings() {
    return new SupervisorSettings(
        Duration.ofSeconds(2),
        Duration.ofMillis(50),
        Duration.ofSeconds(2),
        Duration.ofSeconds(60),
        Duration.ZERO,
        Integer.MAX_VALUE,
        Integer.MAX_VALUE,
        Duration.ZERO,
        Duration.ofSeconds(3),
        Duration.ofMillis(500),
        Duration.ofSeconds(10),
        Duration.ofSeconds(10),
        Duration.ZERO,
        Duration.ofMillis(15),
        Duration.ofSeconds(1),
        InstancePorts.PortRange.parse("auto"));
  }

  static Config config() {
    return config("pekko.actor.default-dispatcher.fork-join-executor.parallelism-max = 2");
  }

  /**
   * A local actor system of tako dev (the session's or the proxy's), quiet but for warnings, that
   * leaves the JVM's exit to its owner; {@code own} comes first.
   */
  static Config config(String own) {
    return ConfigFactory.parseString(
            own
                + """

                pekko.loglevel = WARNING
                pekko.stdout-loglevel = WARNING
                pekko.log-dead-letters = off
                pekko.actor.provider = local
                pekko.coordinated-shutdown.exit-jvm = off
                """)
        .withFallback(ConfigFactory.load())
        .resolve();
  }
}
