package dev.tako.cli.keeper;

import dev.tako.cli.CliException;
import dev.tako.cli.NodeClient;
import dev.tako.cli.Servers;
import dev.tako.cli.TakoHome;
import dev.tako.cli.ssh.HostKeyPolicy;
import dev.tako.protocol.config.ServerEntry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The background process that keeps SSH connections between commands (one per Tako home, started by
 * the CLI on demand, see {@link Keeper}): per server an authenticated connection (the same {@link
 * NodeClient#connect} as a command's, strict host keys) with its forward to the node's API and the
 * node's token. A burst of commands pays one SSH handshake per server.
 *
 * <p>Reached over the Unix socket {@code $TAKO_HOME/keeper/keeper.sock} (directory 0700, socket
 * 0600, and each peer's user checked to be this process's user). One request line, one answer line:
 * {@code TUNNEL <server>} → {@code OK <port> <token>} or {@code ERR <exit code> <message>}; {@code
 * DROP <server>}; {@code STOP}. Before a kept connection is handed out it must answer a keepalive
 * within {@link #PROBE}; else, or when the server's inventory entry changed, it is closed and the
 * server connected anew (a changed host key is refused then, as by any command).
 *
 * <p>It exits after {@link #IDLE} without a request and without a command holding a tunnel, at once
 * when its socket (or the Tako home) disappears, and on {@code STOP} ({@code tako playground
 * down}).
 */
public final class ConnectionKeeper {
  static final Duration IDLE = Duration.ofSeconds(60);
  static final Duration PROBE = Duration.ofSeconds(1);
  private static final long WATCH_MS = 1000;
  private static final long PROGRESS_EVERY_NANOS = 100_000_000L;

  private final TakoHome home;
  private final Path socket;
  private final Map<String, Kept> kept = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private final AtomicLong lastRequest = new AtomicLong(System.nanoTime());
  private final String user = System.getProperty("user.name");
  private volatile boolean stopping;

  private final java.util.concurrent.atomic.AtomicInteger allHolds =
      new java.util.concurrent.atomic.AtomicInteger();

  /**
   * A kept connection; {@code holds}: commands using it now (their tunnel or an upload); a retired
   * one (found dead, or replaced) is closed when its last hold ends, never under a command.
   */
  private record Kept(
      ServerEntry entry,
      NodeClient client,
      NodeClient.Tunnel tunnel,
      java.util.concurrent.atomic.AtomicInteger holds,
      java.util.concurrent.atomic.AtomicBoolean retired) {
    Kept(ServerEntry entry, NodeClient client, NodeClient.Tunnel tunnel) {
      this(
          entry,
          client,
          tunnel,
          new java.util.concurrent.atomic.AtomicInteger(),
          new java.util.concurrent.atomic.AtomicBoolean());
    }
  }

  ConnectionKeeper(TakoHome home) {
    this.home = home;
    this.socket = socket(home);
  }

  static Path socket(TakoHome home) {
    return home.dir().resolve("keeper").resolve("keeper.sock");
  }

  static Path directory(Path socket) {
    return socket.getParent();
  }

  static void ownerOnlyDirectory(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
  }

  public static void main(String[] args) throws Exception {
    dev.tako.cli.ssh.Ssh.jdkCryptoOnly();
    TakoHome home = TakoHome.fromEnvironment();
    if (!Files.isDirectory(home.dir())) {
      return;
    }
    ConnectionKeeper keeper = new ConnectionKeeper(home);
    keeper.run(args);
    System.exit(0);
  }

  void run(String[] prewarm) throws IOException, InterruptedException {
    Path dir = directory(socket);
    ownerOnlyDirectory(dir);
    try (FileChannel lockFile =
            FileChannel.open(
                dir.resolve("keeper.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.tryLock()) {
      if (lock == null) {
        return; // another keeper runs for this home
      }
      Files.deleteIfExists(socket); // left by a keeper that died
      ExecutorService workers = Executors.newCachedThreadPool(daemon("keeper-worker"));
      ScheduledExecutorService watch =
          Executors.newSingleThreadScheduledExecutor(daemon("keeper-watch"));
      try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        server.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        watch.scheduleWithFixedDelay(
            () -> {
              long idle = System.nanoTime() - lastRequest.get();
              if (!Files.exists(socket) || (allHolds.get() == 0 && idle > IDLE.toNanos())) {
                stopping = true;
                closeQuietly(server);
              }
            },
            WATCH_MS,
            WATCH_MS,
            TimeUnit.MILLISECONDS);
        for (String name : prewarm) {
          workers.execute(() -> tunnel(name));
        }
        while (!stopping) {
          SocketChannel peer;
          try {
            peer = server.accept();
          } catch (IOException e) {
            break; // closed: stopping
          }
          workers.execute(() -> serve(peer));
        }
      } finally {
        stopping = true;
        watch.shutdownNow();
        kept.values().forEach(k -> k.client().close());
        kept.clear();
        Files.deleteIfExists(socket);
        workers.shutdownNow();
      }
    }
  }

  private void serve(SocketChannel peer) {
    try (peer) {
      UnixDomainPrincipal who = peer.getOption(ExtendedSocketOptions.SO_PEERCRED);
      if (user == null || !user.equals(who.user().getName())) {
        return; // only the owner's commands (the socket's mode says so too)
      }
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(peer), StandardCharsets.UTF_8));
      String line = in.readLine();
      if (line == null) {
        return;
      }
      lastRequest.set(System.nanoTime());
      OutputStream out = Channels.newOutputStream(peer);
      if (line.startsWith("TUNNEL ")) {
        String name = line.substring("TUNNEL ".length()).trim();
        Object got = obtain(name, true);
        if (got instanceof Kept k) {
          try {
            out.write((ok(k) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            // Held until the command closes its end (or ends): nothing more is read.
            while (in.read() >= 0) {
              // the command sends nothing more
            }
          } finally {
            release(name, k);
          }
          return;
        }
        out.write((got + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return;
      }
      String answer = line.startsWith("UPLOAD ") ? upload(line, out) : answer(line);
      out.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      lastRequest.set(System.nanoTime());
    } catch (IOException | RuntimeException e) {
      // the command went away, or falls back to its own connection
    }
  }

  String answer(String line) {
    if (line.startsWith("DROP ")) {
      String name = line.substring("DROP ".length()).trim();
      synchronized (lock(name)) {
        Kept k = kept.get(name);
        if (k != null) {
          retire(name, k);
        }
      }
      return "OK";
    }
    if (line.equals("STOP")) {
      stopping = true;
      try {
        Files.deleteIfExists(socket); // the watch ends the accept loop
      } catch (IOException e) {
        // the idle limit ends it then
      }
      return "OK";
    }
    return "ERR " + CliException.USAGE + " unknown request";
  }

  /**
   * {@code UPLOAD <server> <remote path> <local path>}: the local file to the server over the kept
   * connection unless it is there; {@code P <bytes sent>} lines meanwhile (a few per second), then
   * {@code OK uploaded}, {@code OK skipped} or {@code ERR <code> <message>}.
   */
  private String upload(String line, OutputStream out) {
    String[] parts = line.split(" ", 4);
    if (parts.length != 4) {
      return "ERR " + CliException.USAGE + " UPLOAD <server> <remote> <local>";
    }
    String name = parts[1];
    String remote = parts[2];
    Path local = Path.of(parts[3]);
    Object got = obtain(name, true);
    if (!(got instanceof Kept k)) {
      return (String) got;
    }
    try {
      var ssh = k.client().ssh();
      if (ssh.exists(remote)) {
        return "OK skipped";
      }
      ssh.mkdirs(remote.substring(0, Math.max(1, remote.lastIndexOf('/'))));
      long[] lastReport = {0};
      boolean sent =
          ssh.upload(
              local,
              remote,
              n -> {
                long now = System.nanoTime();
                if (now - lastReport[0] >= PROGRESS_EVERY_NANOS) {
                  lastReport[0] = now;
                  try {
                    out.write(("P " + n + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                }
                lastRequest.set(now);
              });
      return sent ? "OK uploaded" : "OK skipped";
    } catch (dev.tako.cli.ssh.SshException | RuntimeException e) {
      return "ERR " + CliException.FAILED + " " + Keeper.escape(String.valueOf(e.getMessage()));
    } finally {
      release(name, k);
    }
  }

  /** Out of the map; closed now if no command holds it, else when the last hold ends. */
  private void retire(String name, Kept k) {
    kept.remove(name, k);
    k.retired().set(true);
    if (k.holds().get() == 0) {
      k.client().close();
    }
  }

  private void release(String name, Kept k) {
    synchronized (lock(name)) {
      allHolds.decrementAndGet();
      if (k.holds().decrementAndGet() == 0 && k.retired().get()) {
        k.client().close();
      }
    }
    lastRequest.set(System.nanoTime());
  }

  private static String ok(Kept k) {
    return "OK " + k.tunnel().port() + " " + k.tunnel().token();
  }

  /** The kept connection's tunnel (probed), else a new connection's; not held. */
  private String tunnel(String name) {
    Object got = obtain(name, false);
    return got instanceof Kept k ? ok(k) : (String) got;
  }

  private Object lock(String name) {
    return locks.computeIfAbsent(name, n -> new Object());
  }

  /**
   * The server's kept connection (probed), else a new one; with {@code hold} it is held (see {@link
   * #release}). A {@code String} is the error answer.
   */
  private Object obtain(String name, boolean hold) {
    ServerEntry entry;
    try {
      entry = Servers.load(home).get(name).orElse(null);
    } catch (RuntimeException e) {
      return "ERR " + CliException.USAGE + " " + Keeper.escape(String.valueOf(e.getMessage()));
    }
    if (entry == null) {
      return "ERR " + CliException.USAGE + " " + Keeper.escape("no server named " + name);
    }
    synchronized (lock(name)) {
      Kept k = kept.get(name);
      if (k != null && (!k.entry().equals(entry) || !k.client().ssh().alive(PROBE))) {
        retire(name, k); // a command still using it keeps it until it is done
        k = null;
      }
      if (k == null) {
        NodeClient client = null;
        try {
          client = NodeClient.connect(entry, home, HostKeyPolicy.STRICT);
          k = new Kept(entry, client, client.tunnel());
        } catch (CliException e) {
          if (client != null) {
            client.close();
          }
          return "ERR " + e.exitCode() + " " + Keeper.escape(String.valueOf(e.getMessage()));
        } catch (RuntimeException e) {
          if (client != null) {
            client.close();
          }
          return "ERR "
              + CliException.UNREACHABLE
              + " "
              + Keeper.escape(name + ": " + e.getMessage());
        }
        if (stopping) {
          client.close();
          return "ERR " + CliException.UNREACHABLE + " the connection keeper is stopping";
        }
        kept.put(name, k);
      }
      if (hold) {
        k.holds().incrementAndGet();
        allHolds.incrementAndGet();
      }
      return k;
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  private static void closeQuietly(ServerSocketChannel server) {
    try {
      server.close();
    } catch (IOException ignored) {
      // stopping anyway
    }
  }
}
