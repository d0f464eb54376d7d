package dev.tako.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A lenient app for the proxy's hostile-input tests, as many app servers are: keeps every
 * connection alive, reads whatever comes as one request head after another (bodies are not read),
 * and answers each from a script by path, whatever it said before (even after a 101). It counts its
 * connections and reports what it parsed on which, and which connections the proxy closed.
 */
final class LenientUpstream implements AutoCloseable {
  /**
   * A scripted answer: raw bytes, then optionally our end of stream (the connection stays open).
   */
  record Answer(String raw, boolean halfClose) {
    static Answer of(String raw) {
      return new Answer(raw, false);
    }
  }

  /** One request head read on connection {@code connection} (1 for the first accepted). */
  record Seen(int connection, String requestLine) {}

  static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

  final List<Seen> seen = new CopyOnWriteArrayList<>();
  final AtomicInteger connections = new AtomicInteger();

  /** Connections whose other end (the proxy) closed. */
  final Set<Integer> closedByProxy = ConcurrentHashMap.newKeySet();

  private final Map<String, Answer> script;
  private final ServerSocket server;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  /** Answers paths in {@code script}; any other path gets {@link #OK}. */
  LenientUpstream(Map<String, Answer> script) throws IOException {
    this.script = script;
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.submit(this::accept);
  }

  Upstream upstream() {
    return new Upstream("127.0.0.1", server.getLocalPort());
  }

  /** The request lines read on {@code connection}, in order. */
  List<String> on(int connection) {
    return seen.stream().filter(s -> s.connection() == connection).map(Seen::requestLine).toList();
  }

  private Void accept() {
    try {
      while (true) {
        Socket socket = server.accept();
        int id = connections.incrementAndGet();
        threads.submit(() -> serve(socket, id));
      }
    } catch (IOException e) {
      return null;
    }
  }

  private Void serve(Socket socket, int id) {
    try (socket) {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      for (; ; ) {
        String head = readHead(in);
        if (head == null) {
          closedByProxy.add(id);
          return null;
        }
        String line = head.lines().findFirst().orElse("");
        seen.add(new Seen(id, line));
        String[] parts = line.split(" ");
        String path = parts.length > 1 ? parts[1] : "";
        Answer answer = script.getOrDefault(path, Answer.of(OK));
        out.write(answer.raw().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        if (answer.halfClose()) {
          socket.shutdownOutput();
        }
      }
    } catch (IOException e) {
      closedByProxy.add(id);
      return null;
    }
  }

  /** A head up to its blank line (leading empty lines skipped), or null at end of stream. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int newlines = 0;
    for (; ; ) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      if (b == '\r') {
        continue;
      }
      if (b == '\n') {
        if (head.size() == 0) {
          continue;
        }
        if (++newlines == 2) {
          return head.toString(StandardCharsets.ISO_8859_1);
        }
      } else {
        newlines = 0;
      }
      head.write(b);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    threads.shutdownNow();
  }
}
