package dev.tako.node.dev;

import com.typesafe.config.Config;
import dev.tako.protocol.Json;
import dev.tako.protocol.RoutePattern;
import dev.tako.proxy.ProxySettings;
import dev.tako.proxy.RouteSnapshots;
import dev.tako.proxy.RouteTable;
import dev.tako.proxy.TcpProxy;
import dev.tako.proxy.Upstream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The one local dev proxy per machine and HTTPS port (SPEC §8, issue 7 item 4), run by the hidden
 * {@code tako dev proxy} as a detached process that the first {@code tako dev} starts. It owns:
 *
 * <ul>
 *   <li>the proxy of the nodes ({@link TcpProxy} over a {@link RouteTable}) bound to 127.0.0.1
 *       only: HTTPS on the port, with leaf certificates from the {@link DevCa} chosen by SNI, and
 *       plain HTTP on the port below it answering 307 to HTTPS;
 *   <li>a registration endpoint on a free loopback port: each {@code tako dev} holds one connection
 *       open and sends a JSON line ({@link Register}) whenever its app's routes or readiness
 *       change, answered by one {@link Reply} line. While the app is not ready its routes are
 *       "cold", so requests wait for it (as for an app scaled to zero) instead of failing. When the
 *       connection closes, for whatever reason (Ctrl-C, a crash, kill -9), its routes go.
 * </ul>
 *
 * <p>Two apps may not claim the same route: the second registration is refused, naming the first.
 * The proxy exits {@code linger} after its last registration ended (and if none arrives within that
 * time of its start), so nothing is left listening; its exit takes the lock of {@link
 * DevProxyFiles} so that a {@code tako dev} registering at that moment either reaches it or starts
 * a new one. A port it cannot bind ends it with exit code 1 and the reason on stderr (its log).
 */
public final class DevProxy {

  /** How long the proxy outlives its last registration by default. */
  public static final Duration DEFAULT_LINGER = Duration.ofSeconds(1);

  /**
   * One registration update from a {@code tako dev}: the whole state of its app, sent on every
   * change.
   *
   * @param token the token of the proxy's info file
   * @param app the app name
   * @param dir the app directory (shown when another app claims the same route)
   * @param pid the {@code tako dev} process
   * @param routes routes as in tako.toml
   * @param upstreamPort the ready instance's loopback port, 0 while none is ready
   * @param failures how many times the app failed so far (waiting requests get 502 on a new one)
   */
  public record Register(
      String token,
      String app,
      String dir,
      long pid,
      List<String> routes,
      int upstreamPort,
      long failures) {
    public Register {
      routes = routes == null ? List.of() : List.copyOf(routes);
    }

    /** The same state with the proxy's token. */
    public Register withToken(String value) {
      return new Register(value, app, dir, pid, routes, upstreamPort, failures);
    }
  }

  /** The answer to each {@link Register}: ok, or why it was refused. */
  public record Reply(boolean ok, String error) {}

  private record Registration(String appKey, Register last, List<RoutePattern> patterns) {}

  private final DevProxyFiles files;
  private final String token;
  private final ActorSystem<RouteTable.Command> system;
  private final PrintStream log;
  private final Map<Long, Registration> registrations = new HashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private long emptySince = System.nanoTime();

  private DevProxy(
      DevProxyFiles files, String token, ActorSystem<RouteTable.Command> system, PrintStream log) {
    this.files = files;
    this.token = token;
    this.system = system;
    this.log = log;
  }

  /**
   * Runs the dev proxy until {@code linger} after its last registration; the exit code of {@code
   * tako dev proxy}.
   */
  public static int run(DevProxyFiles files, DevCa ca, Duration linger, PrintStream log) {
    // Logging starts here, on one thread, before the actor system's threads log concurrently
    // (SLF4J would otherwise replay their first lines with a warning).
    org.slf4j.LoggerFactory.getLogger(DevProxy.class);
    int httpsPort = files.port();
    int httpPort = httpsPort - 1;
    RouteSnapshots snapshots = new RouteSnapshots();
    ActorSystem<RouteTable.Command> system =
        ActorSystem.create(RouteTable.create(snapshots), "tako-dev-proxy", config());
    List<TcpProxy.Binding> bindings = new ArrayList<>();
    ServerSocket registrations;
    try {
      ProxySettings settings = ProxySettings.fromConfig(system.settings().config());
      bindings.add(DevListeners.bindHttps(system, httpsPort, snapshots, settings, ca));
      bindings.add(DevListeners.bindHttp(system, httpPort, httpsPort, snapshots, settings));
      registrations = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException | RuntimeException e) {
      log.println(
          "error: the tako dev proxy cannot listen on 127.0.0.1:"
              + httpsPort
              + " (HTTPS) and "
              + httpPort
              + " (HTTP): "
              + e.getMessage()
              + "; another program uses the port: stop it, or choose another with tako dev --port");
      bindings.forEach(b -> b.unbind().toCompletableFuture().join());
      system.terminate();
      return 1;
    }
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    DevProxy proxy = new DevProxy(files, HexFormat.of().formatHex(secret), system, log);
    long pid = ProcessHandle.current().pid();
    try {
      files.writeInfo(
          new DevProxyFiles.Info(
              pid, httpsPort, httpPort, registrations.getLocalPort(), proxy.token));
    } catch (IOException e) {
      log.println("error: cannot write " + files.info() + ": " + e.getMessage());
      return 1;
    }
    proxy.say(
        "listening on https://127.0.0.1:"
            + httpsPort
            + " and http://127.0.0.1:"
            + httpPort
            + " (pid "
            + pid
            + ")");
    Thread acceptor = new Thread(() -> proxy.accept(registrations), "dev-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    proxy.awaitIdle(linger, registrations, bindings);
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // exiting anyway
    }
    proxy.say("no app left; stopped");
    return 0;
  }

  private static Config config() {
    // one event loop: a developer's few requests, on a laptop shared with the app
    return DevSession.config("tako.proxy.event-loops = 1");
  }

  /**
   * Blocks until no registration was left for {@code linger}, then stops accepting and frees the
   * ports, all under the lock: a {@code tako dev} that takes it next finds no proxy and its new one
   * can bind the ports.
   */
  private void awaitIdle(
      Duration linger, ServerSocket registrationSocket, List<TcpProxy.Binding> bindings) {
    long pid = ProcessHandle.current().pid();
    while (true) {
      try {
        waitIdle(linger);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      // Under the lock no client is between reading the info file and registering.
      boolean exit;
      try {
        exit =
            files.locked(
                () -> {
                  if (!idleFor(linger)) {
                    return false;
                  }
                  files.deleteInfoOf(pid);
                  registrationSocket.close();
                  unbind(bindings);
                  return true;
                });
      } catch (IOException e) {
        log.println("warning: " + e.getMessage());
        exit = true;
        files.deleteInfoOf(pid);
        unbind(bindings);
      }
      if (exit) {
        return;
      }
    }
  }

  private static void unbind(List<TcpProxy.Binding> bindings) {
    for (TcpProxy.Binding b : bindings) {
      try {
        b.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // the process exits next, which frees the port anyway
      }
    }
  }

  /** Returns once no registration has been left for {@code linger} (woken by {@link #remove}). */
  private synchronized void waitIdle(Duration linger) throws InterruptedException {
    for (; ; ) {
      if (!registrations.isEmpty()) {
        wait();
        continue;
      }
      long left = linger.toNanos() - (System.nanoTime() - emptySince);
      if (left <= 0) {
        return;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  private synchronized boolean idleFor(Duration linger) {
    return registrations.isEmpty() && System.nanoTime() - emptySince >= linger.toNanos();
  }

  private void accept(ServerSocket server) {
    while (!server.isClosed()) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        return; // closed: the proxy is exiting
      }
      Thread t = new Thread(() -> serve(socket), "dev-proxy-client");
      t.setDaemon(true);
      t.start();
    }
  }

  /** One {@code tako dev}: its registration lives as long as this connection. */
  private void serve(Socket socket) {
    long id = ids.incrementAndGet();
    try (socket;
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        Writer out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        Reply reply;
        try {
          reply = apply(id, Json.lenient().readValue(line, Register.class));
        } catch (IOException e) {
          reply = new Reply(false, "not a registration: " + e.getMessage());
        }
        out.write(Json.write(reply) + "\n");
        out.flush();
      }
    } catch (IOException e) {
      // the client is gone
    } finally {
      remove(id);
    }
  }

  private synchronized Reply apply(long id, Register r) {
    if (!token.equals(r.token())) {
      return new Reply(false, "wrong token; restart tako dev");
    }
    List<RoutePattern> patterns = new ArrayList<>();
    for (String route : r.routes()) {
      try {
        patterns.add(RoutePattern.parse(route));
      } catch (IllegalArgumentException e) {
        return new Reply(false, "route \"" + route + "\": " + e.getMessage());
      }
    }
    for (var e : registrations.entrySet()) {
      if (e.getKey() == id) {
        continue;
      }
      Register other = e.getValue().last();
      for (RoutePattern p : patterns) {
        if (e.getValue().patterns().contains(p)) {
          return new Reply(
              false,
              "route \""
                  + p
                  + "\" is already served by tako dev of "
                  + other.app()
                  + " in "
                  + other.dir()
                  + " (pid "
                  + other.pid()
                  + "); stop that one, or give this app other routes in [envs.development]");
        }
      }
    }
    Registration before = registrations.get(id);
    String appKey = before != null ? before.appKey() : r.app() + "#" + id;
    registrations.put(id, new Registration(appKey, r, List.copyOf(patterns)));
    List<Upstream> upstreams =
        r.upstreamPort() > 0 ? List.of(new Upstream("127.0.0.1", r.upstreamPort())) : List.of();
    // Not ready: "cold", so requests wait for the (re)start instead of failing.
    system.tell(
        new RouteTable.SetApp(
            appKey,
            r.routes(),
            upstreams,
            upstreams.isEmpty(),
            r.failures(),
            true,
            publicDir(r.dir())));
    if (before == null
        || !before.last().routes().equals(r.routes())
        || before.last().upstreamPort() != r.upstreamPort()) {
      say(
          r.app()
              + " "
              + r.routes()
              + " -> "
              + (upstreams.isEmpty() ? "(starting)" : upstreams.get(0).toString()));
    }
    return new Reply(true, null);
  }

  /**
   * The app's {@code public/} directory, served by the proxy itself as on a node (SPEC §9), or
   * null.
   */
  private static java.nio.file.Path publicDir(String dir) {
    if (dir == null || dir.isEmpty()) {
      return null;
    }
    java.nio.file.Path candidate = java.nio.file.Path.of(dir).resolve("public");
    return java.nio.file.Files.isDirectory(candidate) ? candidate : null;
  }

  private synchronized void remove(long id) {
    Registration gone = registrations.remove(id);
    if (gone != null) {
      system.tell(new RouteTable.RemoveApp(gone.appKey()));
      say(gone.last().app() + " left");
    }
    if (registrations.isEmpty()) {
      emptySince = System.nanoTime();
      notifyAll();
    }
  }

  private void say(String text) {
    log.println(LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + " " + text);
    log.flush();
  }
}
