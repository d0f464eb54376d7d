package dev.tako.proxy;

import com.typesafe.config.Config;
import dev.tako.proxy.channels.ChannelSettings;
import dev.tako.proxy.tls.SniKeyManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP/1.1 proxy (SPEC §9), fast path: non-blocking NIO driven by one {@link EventLoop}
 * thread per core instead of an HTTP model per request. Each visitor connection lives on one loop;
 * a {@link ProxyConnection} parses only the request head, routes it by Host and path through the
 * latest {@link RouteSnapshot} (never an actor per request), rewrites the forwarding headers and
 * streams the body over a kept-alive upstream connection from that loop's pool, then streams the
 * response back. Upgrades (101) become a byte pipe. Connections to one app instance are capped
 * ({@code tako.proxy.max-connections-per-instance}); requests beyond the cap queue in order for a
 * released connection, which keeps a burst of visitors from overflowing the app's listen backlog.
 *
 * <p>A request for an app scaled to zero (a cold {@link Target} without upstreams) waits, with at
 * most {@code tako.proxy.cold-start.max-waiting} others, while the node starts one instance ({@link
 * ColdStarts}; one start for all of them); it is looked up again every 10 ms.
 *
 * <p>Failures become short answers (404 unknown host, 503 no ready instance, 413 body over the
 * limit, 502 app refused or failed or switched protocols unasked, 504 app timed out) with details
 * in the log. Visitors get deadlines: a request head within {@code tako.proxy.header-timeout} (else
 * 408 and closed), a TLS handshake within {@code tako.proxy.tls-handshake-timeout} (else closed); a
 * TLS handshake sent to a plain port gets 400 at once. Binding fails its {@link CompletionStage}
 * (e.g. port in use). The loops stop on {@link Binding#unbind()} or when the actor system
 * terminates.
 *
 * <p>HTTPS: a {@link ProxyListener.Tls} port terminates TLS on the same loops (a {@link TlsChannel}
 * per visitor, the certificate chosen by SNI); a {@link ProxyListener.Plain} port redirects apps
 * with TLS on to HTTPS and answers ACME HTTP-01 challenges.
 *
 * <p>Files under a release's {@code public/} are answered by the proxy itself ({@link
 * StaticFiles}), before any cold start; text responses are gzipped on the fly for clients that
 * accept it ({@link GzipEncoder}); a client address gets 429 beyond {@code
 * tako.proxy.max-requests-per-client} concurrent requests ({@link ClientLimits}); requests are
 * counted per app in the actor system's {@link ProxyMetrics}.
 */
public final class TcpProxy {
  private static final int BACKLOG = 4096;

  private TcpProxy() {}

  /**
   * A bound proxy: its address, and the ways to stop it: at once ({@link #unbind}) or gracefully
   * while the next node process takes the port over ({@link #drain}).
   */
  public static final class Binding {
    private final InetSocketAddress localAddress;
    private final EventLoop[] loops;
    private final CompletableFuture<Done> stopped;
    private final Acceptor acceptor;
    private volatile boolean kept;

    private Binding(
        InetSocketAddress localAddress,
        EventLoop[] loops,
        CompletableFuture<Done> stopped,
        Acceptor acceptor) {
      this.localAddress = localAddress;
      this.loops = loops;
      this.stopped = stopped;
      this.acceptor = acceptor;
    }

    /**
     * The node process is being replaced: this port keeps serving after the actor system
     * terminated, until {@link #drain} (the routes it serves are frozen by then).
     */
    public void keepAfterTermination() {
      kept = true;
    }

    boolean kept() {
      return kept;
    }

    /**
     * Hands the port over to the next node process, which listens on it too by now ({@code
     * SO_REUSEPORT}): the connections already queued are accepted, then this socket stops listening
     * (new connections all reach the next process); each open connection ends after the answer in
     * progress, or its next one ({@code Connection: close}), a connection quiet for a second is
     * closed; completes once every connection is gone or {@code grace} passed, with the loops
     * stopped.
     */
    public CompletionStage<Done> drain(java.time.Duration grace) {
      CompletableFuture<Void> drained = new CompletableFuture<>();
      loops[0].execute(
          () -> {
            acceptor.close();
            // Queued after the adoptions of the connections just accepted: each loop counts them.
            CompletableFuture<?>[] each = new CompletableFuture<?>[loops.length];
            for (int i = 0; i < loops.length; i++) {
              each[i] = loops[i].drain();
            }
            CompletableFuture.allOf(each).thenRun(() -> drained.complete(null));
          });
      return drained
          .completeOnTimeout(null, grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
          .thenCompose(x -> unbind());
    }

    public InetSocketAddress localAddress() {
      return localAddress;
    }

    /** Stops accepting, closes all connections and ends the loops. */
    public CompletionStage<Done> unbind() {
      for (EventLoop loop : loops) {
        loop.shutdown();
      }
      return stopped;
    }
  }

  /**
   * Binds the proxy.
   *
   * @param iface the interface to listen on ("0.0.0.0" in production, "127.0.0.1" in tests)
   * @param port the port, 0 for any free one (read it from the binding)
   * @return the binding, failed when the port cannot be bound
   */
  public static CompletionStage<Binding> bind(
      ActorSystem<?> system,
      String iface,
      int port,
      RouteSnapshots routes,
      ProxySettings settings) {
    return bind(system, iface, port, routes, settings, ProxyListener.PLAIN);
  }

  /**
   * Binds the proxy speaking plain HTTP (with redirects and ACME challenges as {@code listener}
   * says) or HTTPS.
   */
  public static CompletionStage<Binding> bind(
      ActorSystem<?> system,
      String iface,
      int port,
      RouteSnapshots routes,
      ProxySettings settings,
      ProxyListener listener) {
    return bind(system, iface, port, routes, settings, listener, false);
  }

  /**
   * As above; {@code takingOver}: the previous process of this node still listens on the port (a
   * handover, see {@link Binding#drain}) and both listen until it lets go. Otherwise a port another
   * process listens on fails the bind, as it would without {@code SO_REUSEPORT}.
   */
  public static CompletionStage<Binding> bind(
      ActorSystem<?> system,
      String iface,
      int port,
      RouteSnapshots routes,
      ProxySettings settings,
      ProxyListener listener,
      boolean takingOver) {
    Config config = system.settings().config();
    return bind(
        system,
        iface,
        port,
        routes,
        settings,
        listener,
        new ColdStarts(
            config.getInt("tako.proxy.cold-start.max-waiting"),
            config.getDuration("tako.proxy.cold-start.timeout"),
            countedWake(system, routes)),
        loops(config),
        config.getInt("tako.proxy.max-connections-per-instance"),
        takingOver);
  }

  /** As below with the default cold-start limits (tests). */
  static CompletionStage<Binding> bind(
      ActorSystem<?> system,
      String iface,
      int port,
      RouteSnapshots routes,
      ProxySettings settings,
      int count,
      int maxConnectionsPerInstance) {
    return bind(
        system,
        iface,
        port,
        routes,
        settings,
        ProxyListener.PLAIN,
        new ColdStarts(1000, java.time.Duration.ofSeconds(30), countedWake(system, routes)),
        count,
        maxConnectionsPerInstance);
  }

  /** Wakes apps through the installed {@link ColdStarter}, counting each start in the metrics. */
  static ColdStarter countedWake(ActorSystem<?> system, RouteSnapshots routes) {
    ProxyMetrics metrics = ProxyMetrics.get(system);
    return appKey -> {
      metrics.coldStart(appKey);
      routes.coldStarter().wake(appKey);
    };
  }

  /** As above with explicit cold-start policy, loop count and per-instance connection cap. */
  static CompletionStage<Binding> bind(
      ActorSystem<?> system,
      String iface,
      int port,
      RouteSnapshots routes,
      ProxySettings settings,
      ProxyListener listener,
      ColdStarts coldStarts,
      int count,
      int maxConnectionsPerInstance) {
    return bind(
        system,
        iface,
        port,
        routes,
        settings,
        listener,
        coldStarts,
        count,
        maxConnectionsPerInstance,
        false);
  }

  static CompletionStage<Binding> bind(
      ActorSystem<?> system,
      String iface,
      int port,
      RouteSnapshots routes,
      ProxySettings settings,
      ProxyListener listener,
      ColdStarts coldStarts,
      int count,
      int maxConnectionsPerInstance,
      boolean takingOver) {
    int perLoop = Math.max(1, maxConnectionsPerInstance / count);
    CompletableFuture<Done> stopped = new CompletableFuture<>();
    AtomicInteger running = new AtomicInteger(count);
    Runnable onExit =
        () -> {
          if (running.decrementAndGet() == 0) {
            stopped.complete(Done.getInstance());
          }
        };
    ServerSocketChannel server = null;
    EventLoop[] loops = new EventLoop[count];
    ClientLimits clientLimits = routes.clientLimits(settings.maxRequestsPerClient());
    routes.channelSettings(ChannelSettings.fromConfig(system.settings().config()));
    ProxyMetrics metrics = ProxyMetrics.get(system);
    SSLContext sslContext =
        listener instanceof ProxyListener.Tls tls
            ? SniKeyManager.serverContext(tls.certificates())
            : null;
    try {
      InetSocketAddress address = new InetSocketAddress(iface, port);
      boolean shared = !(listener instanceof ProxyListener.Peer);
      if (shared && !takingOver && port != 0) {
        // SO_REUSEPORT would let a second node (or anything else) share the port silently: a
        // port some other socket listens on fails here, as a plain bind would.
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
          probe.setOption(StandardSocketOptions.SO_REUSEADDR, true);
          probe.bind(address, 1);
        }
      }
      server = ServerSocketChannel.open();
      server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      if (shared) {
        // The next process of this node listens beside this one while it takes over (handover).
        server.setOption(StandardSocketOptions.SO_REUSEPORT, true);
      }
      server.bind(address, BACKLOG);
      server.configureBlocking(false);
      for (int i = 0; i < count; i++) {
        loops[i] =
            new EventLoop(
                "tako-"
                    + (listener instanceof ProxyListener.Tls
                        ? "https-"
                        : listener instanceof ProxyListener.Peer ? "peer-" : "proxy-")
                    + i,
                routes,
                settings,
                coldStarts,
                perLoop,
                listener,
                sslContext,
                clientLimits,
                metrics,
                onExit);
      }
    } catch (IOException | RuntimeException e) {
      try {
        if (server != null) {
          server.close();
        }
      } catch (IOException ignored) {
        // reporting the bind failure
      }
      return CompletableFuture.failedFuture(e);
    }
    InetSocketAddress local;
    try {
      local = (InetSocketAddress) server.getLocalAddress();
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    ServerSocketChannel listening = server;
    EventLoop first = loops[0];
    Acceptor acceptor = new Acceptor(listening, loops);
    first.execute(
        () -> {
          try {
            listening.register(first.selector, SelectionKey.OP_ACCEPT, acceptor);
          } catch (IOException e) {
            first.shutdown();
          }
        });
    for (EventLoop loop : loops) {
      loop.start();
    }
    Binding binding = new Binding(local, loops, stopped, acceptor);
    system
        .getWhenTerminated()
        .thenRun(
            () -> {
              if (!binding.kept()) {
                binding.unbind();
              }
            });
    return CompletableFuture.completedFuture(binding);
  }

  /**
   * Linux (5.14+) can move the connections still queued on a closing listener to another listener
   * of the same port ({@code net.ipv4.tcp_migrate_req}) instead of resetting them: those that
   * arrive between a draining process's last accept and its close ({@link Binding#drain}). Turns it
   * on where this process may (root; the setting is the network namespace's).
   *
   * @return whether it is on
   */
  public static boolean migrateQueuedConnections() {
    java.nio.file.Path knob = java.nio.file.Path.of("/proc/sys/net/ipv4/tcp_migrate_req");
    try {
      if (java.nio.file.Files.readString(knob).trim().equals("1")) {
        return true;
      }
      if (java.nio.file.Files.isWritable(knob)) {
        java.nio.file.Files.writeString(knob, "1");
        LoggerFactory.getLogger(TcpProxy.class)
            .info("turned on net.ipv4.tcp_migrate_req for the handover of the proxy ports");
        return true;
      }
    } catch (IOException | RuntimeException e) {
      LoggerFactory.getLogger(TcpProxy.class)
          .debug("cannot turn on net.ipv4.tcp_migrate_req: {}", e.toString());
    }
    return false;
  }

  /** {@code tako.proxy.event-loops}, 0 meaning one per available processor. */
  private static int loops(Config config) {
    int configured =
        config.hasPath("tako.proxy.event-loops") ? config.getInt("tako.proxy.event-loops") : 0;
    return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
  }

  /** Accepts on the first loop and deals connections to all loops in turn. */
  private static final class Acceptor implements EventLoop.Handler {
    private final ServerSocketChannel server;
    private final EventLoop[] loops;
    private int next;

    Acceptor(ServerSocketChannel server, EventLoop[] loops) {
      this.server = server;
      this.loops = loops;
    }

    /**
     * On the first loop: takes every connection already queued, then stops listening (the
     * connections the kernel queues for this socket from then on go to another listener of the
     * port, if any).
     */
    void close() {
      if (!server.isOpen()) {
        return;
      }
      for (int taken = 64; taken == 64; ) {
        taken = accept(64);
      }
      try {
        server.close();
      } catch (IOException e) {
        // stopping anyway
      }
    }

    @Override
    public void ready(SelectionKey key) {
      accept(64);
    }

    /** Accepts up to {@code max} queued connections; returns how many. */
    private int accept(int max) {
      for (int i = 0; i < max; i++) {
        SocketChannel channel;
        try {
          channel = server.accept();
        } catch (IOException e) {
          // e.g. out of file descriptors: keep listening, the backlog waits.
          LoggerFactory.getLogger(TcpProxy.class).warn("proxy cannot accept: {}", e.toString());
          return i;
        }
        if (channel == null) {
          return i;
        }
        loops[next].adopt(channel);
        next = (next + 1) % loops.length;
      }
      return max;
    }
  }
}
