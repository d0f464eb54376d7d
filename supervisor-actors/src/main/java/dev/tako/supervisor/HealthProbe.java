package dev.tako.supervisor;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Asynchronous {@code GET http://127.0.0.1:PORT<path>} health checks. Never throws and never fails
 * its stage: connection errors, timeouts and non-2xx answers all become an unhealthy {@link
 * Outcome} with a short human-readable detail.
 *
 * <p>Each check is one short blocking exchange on a plain socket ({@code Connection: close}, the
 * status line read, the outcome known, then the rest drained for at most a second), run on threads
 * every probe of the node shares and that end after 30 s without a check. The JDK's HTTP client did
 * the same with a selector thread and up to three workers per app and several thread hand-offs per
 * request: on an idle node with three apps its probes, one per app per second, were the largest
 * part of the node's CPU after the JIT.
 */
public final class HealthProbe {

  /** The result of one probe; {@code detail} says what went wrong when not {@code healthy}. */
  public record Outcome(boolean healthy, String detail) {}

  private static final int MAX_DRAIN = 64 * 1024;
  private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final AtomicInteger THREADS = new AtomicInteger();

  /** Blocked only for one probe's exchange each; as many as probes run at once, none when idle. */
  private static final ExecutorService PROBES =
      new ThreadPoolExecutor(
          0,
          Integer.MAX_VALUE,
          30,
          TimeUnit.SECONDS,
          new SynchronousQueue<>(),
          r -> {
            Thread t = new Thread(r, "tako-health-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
          });

  private final Duration timeout;

  public HealthProbe(Duration timeout) {
    this.timeout = timeout;
  }

  public CompletionStage<Outcome> check(int port, String path) {
    try {
      // the same paths the JDK's client took: absolute, no spaces or control characters
      URI uri = URI.create("http://127.0.0.1:" + port + path);
      if (uri.getRawPath() == null || !uri.getRawPath().startsWith("/")) {
        throw new IllegalArgumentException(path);
      }
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(new Outcome(false, "bad health path " + path));
    }
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    PROBES.execute(() -> exchange(port, path, outcome));
    return outcome;
  }

  /** Completes {@code outcome} as soon as the status is known, then drains and closes. */
  private void exchange(int port, String path, CompletableFuture<Outcome> outcome) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Socket socket = new Socket()) {
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress("127.0.0.1", port), millisLeft(deadline));
      socket
          .getOutputStream()
          .write(
              ("GET "
                      + path
                      + " HTTP/1.1\r\nHost: 127.0.0.1:"
                      + port
                      + "\r\nUser-Agent: tako-health\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = new BufferedInputStream(socket.getInputStream(), 1024);
      int status = statusCode(statusLine(socket, in, deadline));
      outcome.complete(
          status >= 200 && status < 300
              ? new Outcome(true, "HTTP " + status)
              : new Outcome(false, "HTTP " + status));
      drain(socket, in, Math.min(deadline, System.nanoTime() + DRAIN_NANOS));
    } catch (IOException | RuntimeException e) {
      String msg = e.getMessage();
      outcome.complete(
          new Outcome(false, e.getClass().getSimpleName() + (msg == null ? "" : ": " + msg)));
    }
  }

  private static int millisLeft(long deadline) throws SocketTimeoutException {
    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    if (left <= 0) {
      throw new SocketTimeoutException("no answer within the probe timeout");
    }
    return (int) Math.min(Integer.MAX_VALUE, left);
  }

  private static String statusLine(Socket socket, InputStream in, long deadline)
      throws IOException {
    StringBuilder line = new StringBuilder();
    while (line.length() < 1024) {
      socket.setSoTimeout(millisLeft(deadline));
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed before the status line");
      }
      if (b == '\n') {
        return line.toString().trim();
      }
      line.append((char) b);
    }
    throw new IOException("status line too long");
  }

  /** {@code HTTP/1.1 200 OK} → 200. */
  static int statusCode(String line) throws IOException {
    if (line.startsWith("HTTP/") && line.length() >= 12 && line.charAt(8) == ' ') {
      String code = line.substring(9, 12);
      if (code.chars().allMatch(Character::isDigit)) {
        return Integer.parseInt(code);
      }
    }
    throw new IOException("not an HTTP status line: " + line);
  }

  /** Reads the rest of the answer (the app closes after it) so the close is a clean one. */
  private static void drain(Socket socket, InputStream in, long deadline) {
    try {
      byte[] buf = new byte[4096];
      int total = 0;
      while (total < MAX_DRAIN) {
        socket.setSoTimeout(millisLeft(deadline));
        int n = in.read(buf);
        if (n < 0) {
          return;
        }
        total += n;
      }
    } catch (IOException e) {
      // the status is known; what follows does not change the outcome
    }
  }
}
