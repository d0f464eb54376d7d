package dev.tako.cli.playground;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The playground's user-space network: TCP relays in front of each node's Artery and SSH endpoints,
 * on one selector thread (plain NIO). A connection's source address names the region it comes from
 * ({@link Plan#sources}; any other address is the CLI), its listener the region it goes to; each
 * direction is delayed by half the round trip of {@link WanTable} with a per-direction queue of
 * time-stamped chunks and the selector's timeout as the only clock, so no connection waits on
 * another's delay. A connection across a partition is held: nothing is read from or written to
 * either side (the senders' kernels buffer, then their writes block, as on a dead path), and a
 * connection accepted meanwhile is held the same way rather than refused. On heal the held bytes
 * are delivered in order, as TCP would retransmit them once the path is back.
 *
 * <p>Failures: a listener that cannot bind fails {@link #apply}; an I/O error on either side of a
 * connection closes both sides; a target that refuses closes the accepted side.
 */
public final class WanRelay implements AutoCloseable {
  /** A listener: connections to {@code listen} are relayed to {@code target}, in {@code region}. */
  public record Route(InetSocketAddress listen, InetSocketAddress target, String region) {}

  /** Everything the relay does; {@link #apply} replaces it as a whole. */
  public record Plan(
      List<Route> routes, Map<InetAddress, String> sources, boolean wan, Set<String> partitioned) {
    public Plan {
      routes = List.copyOf(routes);
      sources = Map.copyOf(sources);
      partitioned = Set.copyOf(partitioned);
    }

    WanTable.Endpoint endpoint(InetAddress source) {
      String region = sources.get(source);
      return region == null ? WanTable.Endpoint.CLI : WanTable.Endpoint.node(region);
    }
  }

  /** A relayed connection: the accepted side, the side dialled to the target, both directions. */
  private static final class Conn {
    final SocketChannel client;
    final SocketChannel upstream;
    final WanTable.Endpoint from;
    final String region;
    final RelayPipe toTarget;
    final RelayPipe toClient;
    SelectionKey clientKey;
    SelectionKey upstreamKey;
    boolean connected;
    boolean open = true;

    Conn(SocketChannel client, SocketChannel upstream, WanTable.Endpoint from, String region) {
      this.client = client;
      this.upstream = upstream;
      this.from = from;
      this.region = region;
      this.toTarget = new RelayPipe(client, upstream);
      this.toClient = new RelayPipe(upstream, client);
    }
  }

  private record Timer(long due, Conn conn, RelayPipe pipe) {}

  private final Selector selector;
  private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
  private final PriorityQueue<Timer> timers =
      new PriorityQueue<>(Comparator.comparingLong(Timer::due));
  private final Map<InetSocketAddress, ServerSocketChannel> listeners = new HashMap<>();
  private final Set<Conn> conns = new HashSet<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
  private final Thread thread;
  private Plan plan = new Plan(List.of(), Map.of(), false, Set.of());
  private volatile boolean closed;

  private WanRelay() throws IOException {
    this.selector = Selector.open();
    this.thread = new Thread(this::loop, "wan-relay");
    thread.setDaemon(true);
  }

  public static WanRelay start() throws IOException {
    WanRelay relay = new WanRelay();
    relay.thread.start();
    return relay;
  }

  /**
   * Binds the plan's new listeners and applies its round trips and partitions to every connection,
   * existing ones included. Completes once applied: from then on, traffic the plan allows passes.
   */
  public CompletableFuture<Void> apply(Plan next) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    commands.add(
        () -> {
          // A listener that cannot bind must not keep a partition or heal from taking effect.
          IOException failed = null;
          for (Route r : next.routes()) {
            if (!listeners.containsKey(r.listen())) {
              try {
                listen(r);
              } catch (IOException e) {
                failed = new IOException("cannot listen on " + r.listen() + ": " + e.getMessage());
              }
            }
          }
          plan = next;
          for (Conn c : new ArrayList<>(conns)) {
            pump(c);
          }
          if (failed == null) {
            done.complete(null);
          } else {
            done.completeExceptionally(failed);
          }
        });
    selector.wakeup();
    return done;
  }

  private void listen(Route r) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    try {
      server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      server.bind(r.listen(), 128);
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT, r);
    } catch (IOException e) {
      server.close();
      throw e;
    }
    listeners.put(r.listen(), server);
  }

  private void loop() {
    while (!closed) {
      try {
        Runnable command;
        while ((command = commands.poll()) != null) {
          command.run();
        }
        selector.select(selectTimeoutMillis());
        for (SelectionKey key : selector.selectedKeys()) {
          handle(key);
        }
        selector.selectedKeys().clear();
        long now = System.nanoTime();
        while (!timers.isEmpty() && timers.peek().due() <= now) {
          Timer t = timers.poll();
          if (t.conn().open) {
            pump(t.conn());
          }
        }
      } catch (IOException | RuntimeException e) {
        // The selector itself failed: nothing can be relayed any more.
        System.err.println("wan relay stopped: " + e);
        return;
      }
    }
  }

  private long selectTimeoutMillis() {
    if (timers.isEmpty()) {
      return 0; // until a socket or a command wakes us
    }
    long nanos = timers.peek().due() - System.nanoTime();
    return Math.max(1, (nanos + 999_999) / 1_000_000);
  }

  private void handle(SelectionKey key) {
    if (!key.isValid()) {
      return;
    }
    if (key.attachment() instanceof Route route) {
      accept((ServerSocketChannel) key.channel(), route);
      return;
    }
    Conn c = (Conn) key.attachment();
    try {
      if (key.isConnectable()) {
        c.connected = c.upstream.finishConnect();
      }
      if (key.isReadable()) {
        read(c, key.channel() == c.client ? c.toTarget : c.toClient);
      }
      if (c.open) {
        pump(c);
      }
    } catch (IOException e) {
      close(c);
    }
  }

  private void accept(ServerSocketChannel server, Route route) {
    SocketChannel client = null;
    SocketChannel upstream = null;
    try {
      client = server.accept();
      if (client == null) {
        return;
      }
      client.configureBlocking(false);
      client.setOption(StandardSocketOptions.TCP_NODELAY, true);
      InetAddress source = ((InetSocketAddress) client.getRemoteAddress()).getAddress();
      upstream = SocketChannel.open();
      upstream.configureBlocking(false);
      upstream.setOption(StandardSocketOptions.TCP_NODELAY, true);
      Conn c = new Conn(client, upstream, plan.endpoint(source), route.region());
      c.connected = upstream.connect(route.target());
      c.clientKey = client.register(selector, 0, c);
      c.upstreamKey = upstream.register(selector, 0, c);
      conns.add(c);
      pump(c);
    } catch (IOException e) {
      closeQuietly(client);
      closeQuietly(upstream);
    }
  }

  private void read(Conn c, RelayPipe pipe) throws IOException {
    readBuffer.clear();
    int n = pipe.from.read(readBuffer);
    long due = System.nanoTime() + WanTable.oneWayNanos(plan.wan(), c.from, c.region);
    if (n < 0) {
      pipe.addEnd(due);
    } else if (n > 0) {
      readBuffer.flip();
      ByteBuffer copy = ByteBuffer.allocate(n);
      copy.put(readBuffer).flip();
      pipe.add(due, copy);
    }
  }

  /** Writes what is due in both directions (unless held) and sets what to wait for next. */
  private void pump(Conn c) {
    try {
      boolean held = WanTable.cut(plan.partitioned(), c.from, c.region);
      if (!held) {
        long now = System.nanoTime();
        if (c.connected) {
          schedule(c, c.toTarget, c.toTarget.flush(now));
        }
        schedule(c, c.toClient, c.toClient.flush(now));
      }
      if (c.toTarget.endWritten() && c.toClient.endWritten()) {
        close(c);
        return;
      }
      int clientOps = 0;
      int upstreamOps = 0;
      if (!held) {
        clientOps |= c.toTarget.wantsRead() ? SelectionKey.OP_READ : 0;
        clientOps |= c.toClient.writeStalled() ? SelectionKey.OP_WRITE : 0;
      }
      if (!c.connected) {
        upstreamOps = SelectionKey.OP_CONNECT;
      } else if (!held) {
        upstreamOps |= c.toClient.wantsRead() ? SelectionKey.OP_READ : 0;
        upstreamOps |= c.toTarget.writeStalled() ? SelectionKey.OP_WRITE : 0;
      }
      c.clientKey.interestOps(clientOps);
      c.upstreamKey.interestOps(upstreamOps);
    } catch (IOException | RuntimeException e) {
      close(c);
    }
  }

  private void schedule(Conn c, RelayPipe pipe, long due) {
    if (due > 0) {
      timers.add(new Timer(due, c, pipe));
    }
  }

  private void close(Conn c) {
    c.open = false;
    conns.remove(c);
    closeQuietly(c.client);
    closeQuietly(c.upstream);
  }

  private static void closeQuietly(java.io.Closeable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException e) {
      // already gone
    }
  }

  /** Stops the thread, closes every listener and connection. */
  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Conn c : new ArrayList<>(conns)) {
      close(c);
    }
    listeners.values().forEach(WanRelay::closeQuietly);
    closeQuietly(selector);
  }
}
