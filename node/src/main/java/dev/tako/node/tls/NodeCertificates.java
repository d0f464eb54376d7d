package dev.tako.node.tls;

import dev.tako.protocol.Durations;
import dev.tako.proxy.tls.AcmeChallenges;
import dev.tako.proxy.tls.CertificateSource;
import dev.tako.proxy.tls.CertifiedKey;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's certificate manager: serves the proxy's handshakes from certificates issued by ACME
 * CAs (kept in the node home by a {@link CertificateStore}), answers the CAs' HTTP-01 challenges,
 * and orders, renews and stores certificates for the hosts the NodeAgent says want them.
 *
 * <p>{@link #select} and {@link #keyAuthorization} run on the proxy's event loops and only read
 * concurrent maps. {@link #want} runs on an actor thread and only hands over. Everything slow
 * (loading the store, ordering) runs on this manager's own thread, one host at a time.
 *
 * <p>Failures: a host without an issued certificate (not yet ordered, failed, a wildcard route,
 * which HTTP-01 cannot validate) is served by the fallback source (self-signed). A failed order is
 * logged with what to check and retried with a doubling backoff; an issued certificate is renewed
 * when {@link RenewalPolicy#due} says so, checked every {@code check-interval}; while a renewal
 * fails the old certificate is served.
 */
public final class NodeCertificates
    implements CertificateSource, AcmeChallenges, AcmeHosts, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeCertificates.class);

  private final CertificateSource fallback;
  private final CertificateStore store;
  private final AcmeIssuer issuer;
  private final AcmeSettings settings;
  private final RenewalPolicy policy;
  private final Map<String, CertifiedKey> issued = new ConcurrentHashMap<>();
  private final Map<String, String> challenges = new ConcurrentHashMap<>();
  private final Set<String> warnedWildcards = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService thread;
  private volatile List<AcmeHost> wanted = List.of();
  private final AtomicInteger orders = new AtomicInteger();

  // Confined to the manager's thread.
  private final Map<String, Failures> failures = new HashMap<>();
  private ScheduledFuture<?> nextCheck;

  private record Failures(int count, Instant nextAttempt) {}

  private NodeCertificates(
      CertificateSource fallback,
      CertificateStore store,
      AcmeIssuer issuer,
      AcmeSettings settings) {
    this.fallback = fallback;
    this.store = store;
    this.issuer = issuer;
    this.settings = settings;
    this.policy = RenewalPolicy.of(settings);
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tako-acme");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts the manager: loads the stored certificates on its own thread, then waits for {@link
   * #want}.
   *
   * @param fallback serves hosts without an issued certificate
   * @throws java.io.IOException when the configured directory CA bundle cannot be read
   */
  public static NodeCertificates start(
      java.nio.file.Path home, AcmeSettings settings, CertificateSource fallback)
      throws java.io.IOException {
    CertificateStore store = new CertificateStore(home);
    NodeCertificates certs =
        new NodeCertificates(fallback, store, new AcmeIssuer(store, settings), settings);
    certs.thread.execute(certs::loadStored);
    return certs;
  }

  @Override
  public CertifiedKey select(String serverName) {
    if (serverName != null) {
      CertifiedKey key = issued.get(serverName);
      if (key != null) {
        return key;
      }
    }
    return fallback.select(serverName);
  }

  @Override
  public String keyAuthorization(String token) {
    return token == null ? null : challenges.get(token);
  }

  @Override
  public void want(List<AcmeHost> hosts) {
    for (AcmeHost h : hosts) {
      if (h.wildcard() && warnedWildcards.add(h.host())) {
        LOG.warn(
            "*.{} ({}): a wildcard route cannot get an ACME certificate by HTTP-01; its hosts are"
                + " served a self-signed certificate. List the exact hosts as routes to get"
                + " certificates for them.",
            h.host(),
            h.app());
      }
    }
    wanted = List.copyOf(hosts);
    if (!thread.isShutdown()) {
      thread.execute(this::check);
    }
  }

  /** The certificate issued for a host, if any (for status and tests). */
  public CertifiedKey issued(String host) {
    return issued.get(host);
  }

  /**
   * How many orders this manager started (for tests: a restart with stored certificates orders
   * none).
   */
  int ordersStarted() {
    return orders.get();
  }

  /** Returns when everything handed to the manager's thread so far has run (for tests). */
  void awaitIdle() throws Exception {
    thread.submit(() -> {}).get();
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }

  private void loadStored() {
    Map<String, CertifiedKey> stored = store.loadAll();
    issued.putAll(stored);
    if (!stored.isEmpty()) {
      LOG.info("serving {} stored certificate(s): {}", stored.size(), stored.keySet());
    }
  }

  /** Orders what is missing or due, then plans the next check. On the manager's thread. */
  private void check() {
    Instant next = Instant.now().plus(settings.checkInterval());
    try {
      for (AcmeHost h : wanted) {
        if (h.wildcard()) {
          continue;
        }
        CertifiedKey have = issued.get(h.host());
        if (have != null && !policy.due(have.leaf(), Instant.now())) {
          failures.remove(h.host());
          continue;
        }
        Failures f = failures.get(h.host());
        if (f != null && f.nextAttempt().isAfter(Instant.now())) {
          next = earlier(next, f.nextAttempt());
          continue;
        }
        Instant retry = order(h, have, f);
        if (retry != null) {
          next = earlier(next, retry);
        }
        if (Thread.currentThread().isInterrupted()) {
          return;
        }
      }
    } catch (RuntimeException e) {
      LOG.error("the certificate check failed; next check at {}", next, e);
    } finally {
      if (!Thread.currentThread().isInterrupted() && !thread.isShutdown()) {
        schedule(next);
      }
    }
  }

  /** One order; returns when to try again after a failure, null on success. */
  private Instant order(AcmeHost h, CertifiedKey have, Failures before) {
    String what = have == null ? "ordering" : "renewing";
    LOG.info("{} a certificate for {} ({}) from {}", what, h.host(), h.app(), h.directory());
    long t0 = System.nanoTime();
    orders.incrementAndGet();
    try {
      CertifiedKey key =
          issuer.issue(
              h.host(),
              h.directory(),
              h.email(),
              new AcmeIssuer.ChallengeBoard() {
                @Override
                public void publish(String token, String keyAuthorization) {
                  challenges.put(token, keyAuthorization);
                }

                @Override
                public void withdraw(String token) {
                  challenges.remove(token);
                }
              });
      issued.put(h.host(), key);
      failures.remove(h.host());
      LOG.info(
          "certificate for {} issued by {}, valid until {} ({} ms); stored in {}",
          h.host(),
          key.leaf().getIssuerX500Principal().getName(),
          key.leaf().getNotAfter().toInstant(),
          (System.nanoTime() - t0) / 1_000_000,
          store.dir(h.host()));
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      int count = before == null ? 1 : before.count() + 1;
      Duration wait = policy.retryDelay(count);
      // A CA's rate limit says when to come back; never earlier than that.
      if (e instanceof AcmeRateLimitedException limited && limited.getRetryAfter().isPresent()) {
        Duration asked = Duration.between(Instant.now(), limited.getRetryAfter().get());
        if (asked.compareTo(wait) > 0) {
          wait = asked;
        }
      }
      Instant retry = Instant.now().plus(wait);
      failures.put(h.host(), new Failures(count, retry));
      LOG.warn(
          "could not get a certificate for {} ({}) from {}: {}. DNS for {} must point at this"
              + " server and port 80 must be reachable from the internet; retrying in {} ({}"
              + " failure(s)); meanwhile {} is served {}",
          h.host(),
          h.app(),
          h.directory(),
          e.getMessage(),
          h.host(),
          Durations.format(wait),
          count,
          h.host(),
          have == null ? "a self-signed certificate" : "its current certificate");
      return retry;
    }
  }

  private void schedule(Instant at) {
    if (nextCheck != null) {
      nextCheck.cancel(false);
    }
    long delay = Math.max(0, Duration.between(Instant.now(), at).toMillis());
    nextCheck = thread.schedule(this::check, delay, TimeUnit.MILLISECONDS);
  }

  private static Instant earlier(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
