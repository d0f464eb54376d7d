package dev.tako.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Steady GET load on every region's proxy (loopback only), with the app's {@code Host}: some
 * threads keep their connection alive (one {@link HttpClient} each), others open a new connection
 * per request ({@code Connection: close} on a plain socket). Bounded by a request count and a
 * duration. Every answer must be 2xx and come from the region asked (the app's body is {@code
 * <text>|<server>|<release>|...}); anything else, and every I/O error, is counted and sampled.
 */
final class LoadGenerator implements AutoCloseable {
  record Target(String region, int port) {}

  /** What the generator saw. */
  record Stats(
      long sent,
      long ok,
      long non2xx,
      long ioErrors,
      long wrongServer,
      long keepAlive,
      long newConnection,
      Map<String, Long> perRegion,
      Map<String, Long> perRelease,
      List<String> samples,
      double seconds) {
    long failures() {
      return non2xx + ioErrors + wrongServer;
    }

    @Override
    public String toString() {
      return String.format(
          "%d requests in %.1f s (%d kept-alive, %d new connections; per region %s; per release %s):"
              + " %d ok, %d non-2xx, %d I/O errors, %d from the wrong server%s",
          sent,
          seconds,
          keepAlive,
          newConnection,
          perRegion,
          perRelease,
          ok,
          non2xx,
          ioErrors,
          wrongServer,
          samples.isEmpty() ? "" : "; first failures:\n  " + String.join("\n  ", samples));
    }
  }

  private final List<Target> targets;
  private final String host;
  private final long maxRequests;
  private final long deadline;
  private final long pauseNanos;
  private final List<Thread> threads = new ArrayList<>();
  private final List<HttpClient> clients = new ArrayList<>();
  private volatile boolean stop;
  private final long started = System.nanoTime();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong non2xx = new AtomicLong();
  private final AtomicLong ioErrors = new AtomicLong();
  private final AtomicLong wrongServer = new AtomicLong();
  private final AtomicLong keepAlive = new AtomicLong();
  private final AtomicLong newConnection = new AtomicLong();
  private final Map<String, AtomicLong> perRegion = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> perRelease = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();

  private LoadGenerator(
      List<Target> targets, String host, long maxRequests, Duration maxDuration, Duration pause) {
    this.targets = List.copyOf(targets);
    this.host = host;
    this.maxRequests = maxRequests;
    this.deadline = System.nanoTime() + maxDuration.toNanos();
    this.pauseNanos = pause.toNanos();
  }

  /**
   * Starts {@code keepAliveThreads + newConnectionThreads} threads, each cycling over every target
   * with a short pause between its requests, until {@link #stop()}, {@code maxRequests} in all or
   * {@code maxDuration}.
   */
  static LoadGenerator start(
      List<Target> targets,
      String host,
      int keepAliveThreads,
      int newConnectionThreads,
      long maxRequests,
      Duration maxDuration,
      Duration pause) {
    LoadGenerator g = new LoadGenerator(targets, host, maxRequests, maxDuration, pause);
    for (int i = 0; i < keepAliveThreads + newConnectionThreads; i++) {
      boolean keep = i < keepAliveThreads;
      int offset = i;
      HttpClient client =
          keep
              ? HttpClient.newBuilder()
                  .version(HttpClient.Version.HTTP_1_1)
                  .connectTimeout(Duration.ofSeconds(5))
                  .build()
              : null;
      if (client != null) {
        g.clients.add(client);
      }
      Thread t =
          new Thread(() -> g.loop(offset, client), "load-" + (keep ? "keepalive-" : "new-") + i);
      t.setDaemon(true);
      g.threads.add(t);
    }
    g.threads.forEach(Thread::start);
    return g;
  }

  long sent() {
    return sent.get();
  }

  Set<String> releasesSeen() {
    return perRelease.keySet();
  }

  private void loop(int offset, HttpClient client) {
    int n = offset;
    while (!stop && System.nanoTime() < deadline) {
      if (sent.incrementAndGet() > maxRequests) {
        sent.decrementAndGet();
        return;
      }
      Target t = targets.get(n++ % targets.size());
      perRegion.computeIfAbsent(t.region(), r -> new AtomicLong()).incrementAndGet();
      try {
        int status;
        String body;
        if (client != null) {
          keepAlive.incrementAndGet();
          HttpResponse<String> r =
              client.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port() + "/load"))
                      .header("Host", host)
                      .timeout(Duration.ofSeconds(15))
                      .GET()
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          status = r.statusCode();
          body = r.body();
        } else {
          newConnection.incrementAndGet();
          String[] r = getOnNewConnection(t.port());
          status = Integer.parseInt(r[0]);
          body = r[1];
        }
        if (status < 200 || status > 299) {
          non2xx.incrementAndGet();
          sample(
              t, (client != null ? "kept-alive" : "new connection") + ": " + status + " " + body);
        } else {
          String[] parts = body.split("\\|");
          if (parts.length < 3 || !parts[1].equals(t.region())) {
            wrongServer.incrementAndGet();
            sample(t, "unexpected body: " + body);
          } else {
            ok.incrementAndGet();
            perRelease.computeIfAbsent(parts[2], r -> new AtomicLong()).incrementAndGet();
          }
        }
      } catch (IOException | RuntimeException e) {
        ioErrors.incrementAndGet();
        sample(t, (client != null ? "kept-alive: " : "new connection: ") + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (pauseNanos > 0) {
        LockSupport.parkNanos(pauseNanos);
      }
    }
  }

  private void sample(Target t, String what) {
    if (samples.size() < 15) {
      samples.add(
          String.format(
              "+%.2fs %s: %s", (System.nanoTime() - started) / 1e9, t.region(), what.strip()));
    }
  }

  /** One GET with {@code Connection: close} on a fresh socket: {status, body}. */
  private String[] getOnNewConnection(int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
      s.setSoTimeout(15_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET /load HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] all = in.readAllBytes();
      String text = new String(all, StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n\r\n");
      if (!text.startsWith("HTTP/1.1 ") || end < 0) {
        throw new IOException("not an HTTP response (" + all.length + " bytes): " + text);
      }
      String head = text.substring(0, end);
      String status = head.substring(9, 12);
      String body = text.substring(end + 4);
      if (head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
        body = unchunk(body);
      }
      return new String[] {
        status, new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)
      };
    }
  }

  private static String unchunk(String chunked) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (true) {
      int eol = chunked.indexOf("\r\n", i);
      if (eol < 0) {
        throw new IOException("truncated chunked body: " + chunked);
      }
      int size = Integer.parseInt(chunked.substring(i, eol).split(";")[0].trim(), 16);
      if (size == 0) {
        return out.toString(StandardCharsets.ISO_8859_1);
      }
      if (eol + 2 + size > chunked.length()) {
        throw new IOException("truncated chunked body: " + chunked);
      }
      out.write(chunked.substring(eol + 2, eol + 2 + size).getBytes(StandardCharsets.ISO_8859_1));
      i = eol + 2 + size + 2;
    }
  }

  /** Stops the threads, waits for their last requests and returns what they saw. */
  Stats stop() throws InterruptedException {
    stop = true;
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(30));
    }
    // Java 17 has no HttpClient.shutdownNow: dropping the clients lets their threads end.
    clients.clear();
    Map<String, Long> regions = new TreeMap<>();
    perRegion.forEach((k, v) -> regions.put(k, v.get()));
    Map<String, Long> releases = new TreeMap<>();
    perRelease.forEach((k, v) -> releases.put(k, v.get()));
    return new Stats(
        sent.get(),
        ok.get(),
        non2xx.get(),
        ioErrors.get(),
        wrongServer.get(),
        keepAlive.get(),
        newConnection.get(),
        regions,
        releases,
        List.copyOf(samples),
        (System.nanoTime() - started) / 1e9);
  }

  @Override
  public void close() throws InterruptedException {
    if (!stop) {
      stop();
    }
  }
}
