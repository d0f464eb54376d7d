package dev.tako.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread with one NIO selector, owning the visitor connections handed to it, their upstream
 * connections and a pool of idle upstream connections per app instance. Everything a connection
 * does runs on its loop, so nothing here locks; other threads only {@link #execute} tasks. Every
 * 200 ms it sweeps its connections for timeouts; with no connection at all it sleeps until one
 * comes.
 *
 * <p>A handler that throws is logged and its connection closed; the loop carries on. The loop ends
 * on {@link #shutdown}, closing every connection it owns.
 */
final class EventLoop implements Runnable {
  /** What a selection key's attachment does when its channel is ready. */
  interface Handler {
    void ready(SelectionKey key) throws IOException;
  }

  private static final Logger LOG = LoggerFactory.getLogger(TcpProxy.class);
  private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  /** Requests waiting for a cold start look at the route table again this often. */
  private static final long PARKED_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  /** Idle upstream connections are closed after this, before apps' usual keep-alive limits. */
  private static final long POOL_IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);

  private static final int MAX_IDLE_PER_UPSTREAM = 1024;

  final Selector selector;
  final RouteSnapshots routes;
  final ProxySettings settings;
  final ColdStarts coldStarts;

  /**
   * Shared by every TLS listener of the JVM: one daemon thread per core for the expensive steps of
   * TLS handshakes, so that the loops keep serving connected visitors during a burst of new ones.
   */
  private static final java.util.concurrent.ExecutorService HANDSHAKES =
      java.util.concurrent.Executors.newFixedThreadPool(
          Runtime.getRuntime().availableProcessors(),
          r -> {
            Thread t = new Thread(r, "tako-tls-handshake");
            t.setDaemon(true);
            return t;
          });

  final ProxyListener listener;

  /** For a TLS listener: where handshakes compute (see {@link TlsChannel}); null for plain HTTP. */
  final java.util.concurrent.Executor handshakeTasks;

  /**
   * For a TLS listener: makes each visitor connection's engine; one per listener, shared by its
   * loops (and so is its session cache); null for plain HTTP.
   */
  final javax.net.ssl.SSLContext sslContext;

  final long connectTimeout;
  final long readTimeout;
  final long idleTimeout;
  final long upgradedIdleTimeout;
  final long headerTimeout;
  final long tlsHandshakeTimeout;
  final ClientLimits clientLimits;
  final ProxyMetrics metrics;

  /** System.nanoTime() of the event being handled. */
  long now = System.nanoTime();

  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final Set<ProxyConnection> connections = new HashSet<>();
  private final Map<Upstream, ArrayDeque<UpstreamConnection>> idle = new HashMap<>();
  private final Map<Upstream, InetSocketAddress> addresses = new HashMap<>();
  private final Map<Upstream, ArrayDeque<ProxyConnection>> waiters = new HashMap<>();
  private final Map<Upstream, int[]> open = new HashMap<>();
  private final Set<ProxyConnection> parked = new LinkedHashSet<>();
  private long nextParkedCheck;

  /**
   * Open connections per app instance from this loop (idle or busy; upgraded pipes not counted);
   * more requests wait for a released connection. Without a cap, 1000 visitors become 1000
   * concurrent requests to a single-threaded app, which overflows its listen backlog (Node.js: 511)
   * and stalls in SYN retransmits; with it, they queue here, in order.
   */
  private final int maxPerUpstream;

  /** Idle gzip encoders (their native state is large: shared by this loop's responses). */
  private final ArrayDeque<GzipEncoder> encoders = new ArrayDeque<>();

  private static final int MAX_IDLE_ENCODERS = 32;

  private final ByteBuffer scratch = ByteBuffer.allocate(8192);
  private final Runnable onExit;
  private volatile boolean running = true;
  private long nextSweep;

  EventLoop(
      String name,
      RouteSnapshots routes,
      ProxySettings settings,
      ColdStarts coldStarts,
      int maxPerUpstream,
      ProxyListener listener,
      javax.net.ssl.SSLContext sslContext,
      ClientLimits clientLimits,
      ProxyMetrics metrics,
      Runnable onExit)
      throws IOException {
    this.coldStarts = coldStarts;
    this.listener = listener;
    this.handshakeTasks =
        listener instanceof ProxyListener.Tls || listener instanceof ProxyListener.Peer
            ? HANDSHAKES
            : null;
    this.sslContext = sslContext;
    this.clientLimits = clientLimits;
    this.metrics = metrics;
    this.upgradedIdleTimeout = settings.upgradedIdleTimeout().toNanos();
    this.maxPerUpstream = maxPerUpstream;
    this.selector = Selector.open();
    this.routes = routes;
    this.settings = settings;
    this.connectTimeout = settings.connectTimeout().toNanos();
    this.readTimeout = settings.readTimeout().toNanos();
    this.idleTimeout = settings.idleTimeout().toNanos();
    this.headerTimeout = settings.headerTimeout().toNanos();
    this.tlsHandshakeTimeout = settings.tlsHandshakeTimeout().toNanos();
    this.onExit = onExit;
    this.thread = new Thread(this, name);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Runs a task on this loop's thread. */
  void execute(Runnable task) {
    tasks.add(task);
    if (Thread.currentThread() != thread) {
      selector.wakeup();
    }
  }

  void shutdown() {
    running = false;
    selector.wakeup();
  }

  /** Takes over an accepted visitor connection (from any thread). */
  void adopt(SocketChannel channel) {
    if (Thread.currentThread() == thread) {
      register(channel);
    } else {
      execute(() -> register(channel));
    }
  }

  private void register(SocketChannel channel) {
    try {
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      ProxyConnection connection = new ProxyConnection(this, channel);
      connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
      connections.add(connection);
    } catch (IOException e) {
      LOG.debug("cannot take a visitor connection: {}", e.toString());
      try {
        channel.close();
      } catch (IOException ignored) {
        // already failing
      }
    }
  }

  void closed(ProxyConnection connection) {
    connections.remove(connection);
    if (drained != null && connections.isEmpty()) {
      drained.complete(null);
    }
  }

  /** Set on this loop's thread by {@link #drain}: each exchange from now on ends its connection. */
  boolean draining;

  /** When draining began ({@link #now}'s clock). */
  long drainSince;

  private CompletableFuture<Void> drained;

  /**
   * The node process is being replaced (see {@link TcpProxy.Binding#drain}): every connection ends
   * after its answer in progress or its next one; completes once none is left.
   */
  CompletableFuture<Void> drain() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    execute(
        () -> {
          draining = true;
          drainSince = now;
          drained = done;
          for (ProxyConnection connection : new ArrayList<>(connections)) {
            connection.drainRequested();
          }
          if (connections.isEmpty()) {
            done.complete(null);
          }
        });
    return done;
  }

  /** A request waits for a cold start: {@link ProxyConnection#recheck} it every few ms. */
  void park(ProxyConnection connection) {
    if (parked.isEmpty()) {
      nextParkedCheck = now + PARKED_NANOS;
    }
    parked.add(connection);
  }

  void unpark(ProxyConnection connection) {
    parked.remove(connection);
  }

  /** A gzip encoder for one response; hand it back with {@link #releaseEncoder}. */
  GzipEncoder takeEncoder() {
    GzipEncoder encoder = encoders.pollLast();
    return encoder != null ? encoder : new GzipEncoder();
  }

  void releaseEncoder(GzipEncoder encoder) {
    if (encoders.size() < MAX_IDLE_ENCODERS && running) {
      encoders.addLast(encoder);
    } else {
      encoder.end();
    }
  }

  /** A pooled idle connection to {@code upstream}, or null. */
  UpstreamConnection take(Upstream upstream) {
    ArrayDeque<UpstreamConnection> pool = idle.get(upstream);
    if (pool == null) {
      return null;
    }
    UpstreamConnection c;
    while ((c = pool.pollLast()) != null) {
      if (c.key.isValid() && c.channel.isOpen() && silent(c)) {
        c.reused = true;
        return c;
      }
      c.close();
    }
    return null;
  }

  /**
   * Whether an idle connection has nothing to say: a byte the app sent after its response (late
   * rest of a body, a second answer) or its close may not have been seen as an event yet, and would
   * otherwise be read as the answer to the next visitor's request.
   */
  private boolean silent(UpstreamConnection c) {
    scratch.clear();
    try {
      return c.channel.read(scratch) == 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Returns a connection to the pool after a complete response, or hands it to a waiter. */
  void release(UpstreamConnection c) {
    c.owner = null;
    ArrayDeque<ProxyConnection> queue = waiters.get(c.upstream);
    ProxyConnection waiter = queue == null ? null : queue.poll();
    if (waiter != null) {
      c.reused = true;
      waiter.handOver(c);
      return;
    }
    ArrayDeque<UpstreamConnection> pool = idle.computeIfAbsent(c.upstream, u -> new ArrayDeque<>());
    if (pool.size() >= MAX_IDLE_PER_UPSTREAM || !running) {
      c.close();
      return;
    }
    c.idleSince = now;
    Pump.on(c.key, SelectionKey.OP_READ);
    Pump.off(c.key, SelectionKey.OP_WRITE);
    pool.addLast(c);
  }

  /** Whether a new connection to {@code upstream} may be opened now. */
  boolean mayConnect(Upstream upstream) {
    int[] count = open.get(upstream);
    return count == null || count[0] < maxPerUpstream;
  }

  /** Queues a request until a connection to {@code upstream} is released or may be opened. */
  void await(Upstream upstream, ProxyConnection waiter) {
    waiters.computeIfAbsent(upstream, u -> new ArrayDeque<>()).add(waiter);
  }

  void cancelWait(Upstream upstream, ProxyConnection waiter) {
    ArrayDeque<ProxyConnection> queue = waiters.get(upstream);
    if (queue != null) {
      queue.remove(waiter);
    }
  }

  /** A counted connection to {@code upstream} closed or became a pipe: let the next waiter try. */
  void uncounted(Upstream upstream) {
    int[] count = open.get(upstream);
    if (count != null && count[0] > 0) {
      count[0]--;
    }
    ArrayDeque<ProxyConnection> queue = waiters.get(upstream);
    if (queue != null && !queue.isEmpty()) {
      ProxyConnection waiter = queue.poll();
      // Not from inside whatever closed the connection: after this round of events.
      execute(waiter::resume);
    }
  }

  /**
   * Starts connecting to {@code upstream}; the returned connection reports OP_CONNECT to its owner
   * unless already connected (check {@code channel.isConnected()}).
   */
  UpstreamConnection open(Upstream upstream, ProxyConnection owner) throws IOException {
    InetSocketAddress address =
        addresses.computeIfAbsent(upstream, u -> new InetSocketAddress(u.host(), u.port()));
    SocketChannel channel = SocketChannel.open();
    try {
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      UpstreamConnection c;
      if (upstream.peer()) {
        c = UpstreamConnection.toPeer(this, upstream, channel, routes.failover());
      } else {
        c = new UpstreamConnection(this, upstream, channel);
      }
      c.owner = owner;
      boolean connected = channel.connect(address);
      c.counted = true;
      open.computeIfAbsent(upstream, u -> new int[1])[0]++;
      c.key =
          channel.register(selector, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, c);
      if (c.tls != null) {
        c.tls.key = c.key;
      }
      return c;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** An idle pooled connection became readable: the app closed it or sent junk. */
  void idleEvent(UpstreamConnection c) {
    scratch.clear();
    int n;
    try {
      n = c.channel.read(scratch);
    } catch (IOException e) {
      n = -1;
    }
    if (n != 0) {
      ArrayDeque<UpstreamConnection> pool = idle.get(c.upstream);
      if (pool != null) {
        pool.remove(c);
      }
      c.close();
    }
  }

  /** Reads and discards what a closing visitor still sends; -1 at its end of stream. */
  int discard(SocketChannel channel) throws IOException {
    int total = 0;
    for (int i = 0; i < 16; i++) {
      scratch.clear();
      int n = channel.read(scratch);
      if (n < 0) {
        return -1;
      }
      if (n == 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  @Override
  public void run() {
    nextSweep = System.nanoTime() + SWEEP_NANOS;
    try {
      while (running) {
        long deadline =
            parked.isEmpty() || nextParkedCheck - nextSweep > 0 ? nextSweep : nextParkedCheck;
        // Rounded up: rounded down, the last millisecond before each sweep was a selectNow spin
        // (about 0.4 % of a core per idle loop).
        long wait = Math.max(0, deadline - System.nanoTime() + 999_999) / 1_000_000;
        // Nothing that can time out (no connection, no pooled one, none parked): sleep until a
        // key or a task (execute wakes the selector) instead of waking for empty sweeps.
        boolean timed = !connections.isEmpty() || !idle.isEmpty() || !parked.isEmpty();
        if (!tasks.isEmpty() || (timed && wait <= 0)) {
          selector.selectNow(this::dispatch);
        } else if (!timed) {
          selector.select(this::dispatch);
          nextSweep = System.nanoTime() + SWEEP_NANOS;
        } else {
          selector.select(this::dispatch, wait);
        }
        Runnable task;
        while ((task = tasks.poll()) != null) {
          now = System.nanoTime();
          try {
            task.run();
          } catch (RuntimeException e) {
            LOG.error("proxy task failed", e);
          }
        }
        now = System.nanoTime();
        if (!parked.isEmpty() && now - nextParkedCheck >= 0) {
          recheckParked();
          nextParkedCheck = now + PARKED_NANOS;
        }
        if (now - nextSweep >= 0) {
          sweep();
          nextSweep = now + SWEEP_NANOS;
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("proxy event loop {} failed", thread.getName(), e);
    } finally {
      closeAll();
      onExit.run();
    }
  }

  private void dispatch(SelectionKey key) {
    now = System.nanoTime();
    Object attachment = key.attachment();
    try {
      if (key.isValid()) {
        ((Handler) attachment).ready(key);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("proxy connection failed: {}", e.toString(), e);
      if (attachment instanceof ProxyConnection connection) {
        connection.close();
      } else if (attachment instanceof UpstreamConnection upstream) {
        if (upstream.owner != null) {
          upstream.owner.close();
        }
        upstream.close();
      } else {
        key.cancel();
      }
    }
  }

  private void recheckParked() {
    for (ProxyConnection connection : new ArrayList<>(parked)) {
      try {
        if (connection.recheck()) {
          parked.remove(connection);
        }
      } catch (RuntimeException e) {
        LOG.warn("proxy connection failed after a cold start: {}", e.toString(), e);
        connection.close();
      }
    }
  }

  private void sweep() {
    for (ProxyConnection connection : new ArrayList<>(connections)) {
      try {
        connection.sweep(now);
      } catch (RuntimeException e) {
        LOG.warn("proxy connection failed on timeout: {}", e.toString(), e);
        connection.close();
      }
    }
    for (Iterator<ArrayDeque<UpstreamConnection>> it = idle.values().iterator(); it.hasNext(); ) {
      ArrayDeque<UpstreamConnection> pool = it.next();
      UpstreamConnection c;
      while ((c = pool.peekFirst()) != null && now - c.idleSince > POOL_IDLE_NANOS) {
        pool.pollFirst().close();
      }
      if (pool.isEmpty()) {
        it.remove();
      }
    }
  }

  private void closeAll() {
    for (ProxyConnection connection : new ArrayList<>(connections)) {
      connection.close();
    }
    idle.values().forEach(pool -> pool.forEach(UpstreamConnection::close));
    idle.clear();
    encoders.forEach(GzipEncoder::end);
    encoders.clear();
    for (SelectionKey key : selector.keys()) {
      try {
        key.channel().close();
      } catch (IOException ignored) {
        // shutting down
      }
    }
    try {
      selector.close();
    } catch (IOException ignored) {
      // shutting down
    }
  }
}
