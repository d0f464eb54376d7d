package dev.tako.node.dev;

import dev.tako.protocol.Json;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The registration of one {@code tako dev} with the machine's dev proxy ({@link DevProxy}): one
 * loopback connection held open for the life of the app, carrying {@link DevProxy.Register} lines
 * and their {@link DevProxy.Reply}s. {@link #connect} finds the running proxy through its {@link
 * DevProxyFiles} info file or starts one (a detached {@code tako dev proxy} of the same
 * installation, in its own session so Ctrl-C in this terminal does not reach it), all under the
 * lock file, so two {@code tako dev} started together share one proxy.
 *
 * <p>When the connection breaks (the proxy was killed) {@code onLost} runs once, on the reader
 * thread; the caller connects again. A refused registration (e.g. a route another app serves) is a
 * {@link DevException}.
 */
final class DevProxyClient implements AutoCloseable {
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(10);
  private static final Object IN_PROCESS_LOCK = new Object();

  private final Socket socket;
  private final Writer out;
  private final BlockingQueue<DevProxy.Reply> replies = new LinkedBlockingQueue<>();
  private final DevProxyFiles.Info info;
  private volatile boolean closed;

  private DevProxyClient(Socket socket, DevProxyFiles.Info info) throws IOException {
    this.socket = socket;
    this.info = info;
    this.out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
  }

  /**
   * Registers {@code first} with the proxy of {@code files}, starting the proxy if none runs.
   *
   * @param home passed to a started proxy as its {@code TAKO_HOME}
   * @param onLost runs once if the connection breaks while not closed
   */
  static DevProxyClient connect(
      DevProxyFiles files, Path home, DevProxy.Register first, Runnable onLost) {
    try {
      synchronized (IN_PROCESS_LOCK) {
        // Registered under the lock: the proxy cannot exit between our reading and registering.
        return files.locked(
            () -> {
              DevProxyClient c = null;
              DevProxyFiles.Info info = files.readInfo();
              if (info != null) {
                c = tryOpen(info);
                if (c == null) {
                  Files.deleteIfExists(files.info()); // its proxy is gone (killed)
                }
              }
              if (c == null) {
                c = start(files, home);
              }
              c.startReader(onLost);
              DevProxy.Reply reply = c.send(first);
              if (!reply.ok()) {
                c.close();
                throw DevException.failed(reply.error());
              }
              return c;
            });
      }
    } catch (IOException e) {
      throw DevException.failed("cannot reach the tako dev proxy: " + e.getMessage());
    }
  }

  /** The proxy's info: its pid and ports. */
  DevProxyFiles.Info info() {
    return info;
  }

  /** Sends the app's current state; the proxy's reply (a failed one if the connection broke). */
  synchronized DevProxy.Reply send(DevProxy.Register state) throws IOException {
    out.write(Json.write(state.withToken(info.token())) + "\n");
    out.flush();
    try {
      DevProxy.Reply reply = replies.poll(REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (reply == null) {
        throw new IOException("the dev proxy did not answer in " + REPLY_TIMEOUT.toSeconds() + "s");
      }
      return reply;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private void startReader(Runnable onLost) throws IOException {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    Thread reader =
        new Thread(
            () -> {
              try {
                String line;
                while ((line = in.readLine()) != null) {
                  replies.add(Json.lenient().readValue(line, DevProxy.Reply.class));
                }
              } catch (IOException e) {
                // broken: below
              }
              replies.add(new DevProxy.Reply(false, "the dev proxy closed the connection"));
              if (!closed) {
                onLost.run();
              }
            },
            "tako-dev-registration");
    reader.setDaemon(true);
    reader.start();
  }

  private static DevProxyClient tryOpen(DevProxyFiles.Info info) {
    try {
      return open(info);
    } catch (IOException e) {
      return null;
    }
  }

  private static DevProxyClient open(DevProxyFiles.Info info) throws IOException {
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), info.registerPort()), 5000);
      s.setTcpNoDelay(true);
      return new DevProxyClient(s, info);
    } catch (IOException e) {
      s.close();
      throw new IOException(
          "the dev proxy (pid "
              + info.pid()
              + ") does not answer on 127.0.0.1:"
              + info.registerPort()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** Starts {@code tako dev proxy} detached and connects once it has written its info file. */
  private static DevProxyClient start(DevProxyFiles files, Path home) throws IOException {
    Files.createDirectories(files.dir());
    ProcessBuilder pb = new ProcessBuilder(proxyCommand(files.port(), home));
    pb.redirectErrorStream(true);
    pb.redirectOutput(files.log().toFile());
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process p = pb.start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    IOException last = null;
    while (System.nanoTime() < deadline) {
      DevProxyFiles.Info info = files.readInfo();
      if (info != null && info.pid() == p.pid()) {
        try {
          return open(info);
        } catch (IOException e) {
          last = e; // a busy machine: try again while it runs
        }
      }
      if (!p.isAlive()) {
        throw new IOException(lastLines(files.log()));
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroy();
        throw new IOException("interrupted while the dev proxy started");
      }
    }
    p.destroy();
    throw new IOException(
        last != null
            ? last.getMessage()
            : "the dev proxy did not start within "
                + START_TIMEOUT.toSeconds()
                + " s; see "
                + files.log());
  }

  /** The same JVM and classpath as this process, in a new session (setsid) when available. */
  static List<String> proxyCommand(int port, Path home) {
    List<String> cmd = new ArrayList<>();
    for (String setsid : List.of("/usr/bin/setsid", "/bin/setsid")) {
      if (Files.isExecutable(Path.of(setsid))) {
        cmd.add(setsid);
        break;
      }
    }
    cmd.add(DevMain.java());
    // Starts fast and stays small: a developer's requests need no C2 or a parallel GC.
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-Xmx256m");
    cmd.add("-Dtako.home=" + home);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(DevMain.class.getName());
    cmd.add("proxy");
    cmd.add("--port");
    cmd.add(Integer.toString(port));
    return cmd;
  }

  private static String lastLines(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      List<String> tail = lines.subList(Math.max(0, lines.size() - 5), lines.size());
      String text = String.join("\n", tail).strip();
      if (text.startsWith("error: ")) {
        text = text.substring("error: ".length());
      }
      return text.isEmpty() ? "the dev proxy exited at once; see " + log : text;
    } catch (IOException e) {
      return "the dev proxy exited at once; see " + log;
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
