package dev.tako.node.tls;

import dev.tako.protocol.Durations;
import dev.tako.proxy.tls.AcmeChallenges;
import dev.tako.proxy.tls.CertificateSource;
import dev.tako.proxy.tls.CertifiedKey;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's certificate manager: serves the proxy's handshakes from certificates issued by ACME
 * CAs (kept in the node home by a {@link CertificateStore}), answers the CAs' HTTP-01 challenges,
 * and gets, renews and stores certificates for the hosts the NodeAgent says want them.
 *
 * <p><b>An environment on several servers</b> (all behind one DNS name, e.g. geo-DNS) shares one
 * certificate per host. Its {@link Orderer} (the first server of the environment's list that is up,
 * in the current release's order, so a canary deploy's canary; checks wait until this node is up in
 * the cluster and so knows who else is) orders and renews it; before it triggers a challenge it
 * makes the token's key authorization known to every other up node of the cluster and waits for
 * their acknowledgements (bounded; a node that does not answer in time is logged and the order goes
 * on), because the CA's validation requests may reach any of them; the token is withdrawn
 * everywhere when the challenge is over (and expires by itself on a node that never hears so). The
 * new key and chain are then delivered to the environment's other servers, which store them (same
 * store, key 0600) and serve them. Before a first order the orderer looks for a copy on those
 * servers (after a change of orderer they have one).
 *
 * <p>A node that is not the orderer and lacks a certificate, or holds one that is due, asks the
 * orderer for it on every check (at start, after each switch, and after failures with the retry
 * backoff): the orderer answers with its certificate when it has one that is not due, and else
 * orders it and delivers it to the asker too. So a node that was down during a delivery, or that
 * joins the environment later, catches up by itself, and a host is ordered even when the nodes
 * disagree on the orderer for a moment (a rolling deploy changing the list): whoever is asked
 * orders. A node only takes a certificate that expires later than the one it has. Keys travel only
 * in cluster messages (Artery over mutual TLS) and are never logged.
 *
 * <p>{@link #select} and {@link #keyAuthorization} run on the proxy's event loops and only read
 * concurrent maps. {@link #want} and the {@link CertificateExchange} calls run on actor threads and
 * only hand over ({@link #receive} writes the store, on a blocking dispatcher). Everything slow
 * (loading the store, ordering, asking peers) runs on this manager's own thread, one host at a
 * time.
 *
 * <p>Failures: a host without an issued certificate (not yet ordered, failed, a wildcard route,
 * which HTTP-01 cannot validate) is served by the fallback source (self-signed). A failed order, or
 * an orderer that does not answer, is logged with what to check and retried with a doubling
 * backoff; an issued certificate is renewed when {@link RenewalPolicy#due} says so, checked every
 * {@code check-interval}; while a renewal fails the old certificate is served.
 */
public final class NodeCertificates
    implements CertificateSource, AcmeChallenges, AcmeHosts, CertificateExchange, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeCertificates.class);

  private final CertificateSource fallback;
  private final CertificateStore store;
  private final AcmeIssuer issuer;
  private final AcmeSettings settings;
  private final RenewalPolicy policy;
  private final CertificatePeers peers;
  private final Map<String, CertifiedKey> issued = new ConcurrentHashMap<>();
  private final Map<String, Challenge> challenges = new ConcurrentHashMap<>();
  private final Map<String, Request> requests = new ConcurrentHashMap<>();
  private final Set<String> warnedWildcards = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService thread;
  private volatile List<AcmeHost> wanted = List.of();
  private final AtomicInteger orders = new AtomicInteger();

  // Confined to the manager's thread.
  private final Map<String, Failures> failures = new HashMap<>();
  private final Map<String, Failures> fetchFailures = new HashMap<>();
  private ScheduledFuture<?> nextCheck;
  private boolean toldJoining;

  private static final Duration JOIN_POLL = Duration.ofMillis(500);

  private record Failures(int count, Instant nextAttempt) {}

  /** A pending challenge's answer, this node's or another's, until withdrawn or expired. */
  private record Challenge(String keyAuthorization, Instant expires) {}

  /** Other nodes that asked this one to order a host's certificate for them. */
  private record Request(AcmeHost host, Set<String> by, Instant lastAsked) {}

  private NodeCertificates(
      CertificateSource fallback,
      CertificateStore store,
      AcmeIssuer issuer,
      AcmeSettings settings,
      CertificatePeers peers) {
    this.fallback = fallback;
    this.store = store;
    this.issuer = issuer;
    this.settings = settings;
    this.peers = peers;
    this.policy = RenewalPolicy.of(settings);
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tako-acme");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts a manager for a node alone (no certificates shared). */
  public static NodeCertificates start(
      java.nio.file.Path home, AcmeSettings settings, CertificateSource fallback)
      throws java.io.IOException {
    return start(home, settings, fallback, CertificatePeers.NONE);
  }

  /**
   * Starts the manager: loads the stored certificates on its own thread, then waits for {@link
   * #want}.
   *
   * @param fallback serves hosts without an issued certificate
   * @param peers the other nodes of the cluster, to share challenges and certificates with
   * @throws java.io.IOException when the configured directory CA bundle cannot be read
   */
  public static NodeCertificates start(
      java.nio.file.Path home,
      AcmeSettings settings,
      CertificateSource fallback,
      CertificatePeers peers)
      throws java.io.IOException {
    CertificateStore store = new CertificateStore(home);
    NodeCertificates certs =
        new NodeCertificates(fallback, store, new AcmeIssuer(store, settings), settings, peers);
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
    Challenge c = token == null ? null : challenges.get(token);
    return c == null || c.expires().isBefore(Instant.now()) ? null : c.keyAuthorization();
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
    checkSoon();
  }

  @Override
  public void challengePublished(String token, String keyAuthorization, String by) {
    challenges.put(token, new Challenge(keyAuthorization, challengeExpiry()));
    LOG.debug("answering {}'s challenge {} until it is over", by, token);
  }

  @Override
  public void challengeWithdrawn(String token) {
    challenges.remove(token);
  }

  @Override
  public SharedCertificate requested(AcmeHost host, String by, boolean orderIfMissing) {
    CertifiedKey have = issued.get(host.host());
    if (have != null && !policy.due(have.leaf(), Instant.now())) {
      return SharedCertificate.of(host.host(), have);
    }
    if (orderIfMissing && !host.wildcard()) {
      requests.merge(
          host.host(),
          new Request(host, Set.of(by), Instant.now()),
          (old, now) -> {
            Set<String> all = new TreeSet<>(old.by());
            all.addAll(now.by());
            return new Request(old.host(), Set.copyOf(all), now.lastAsked());
          });
      checkSoon();
    }
    return null;
  }

  @Override
  public boolean receive(SharedCertificate certificate, String from) throws IOException {
    CertifiedKey key = certificate.open();
    String host = certificate.host();
    synchronized (issued) {
      CertifiedKey have = issued.get(host);
      if (have != null && !have.leaf().getNotAfter().before(key.leaf().getNotAfter())) {
        return false;
      }
      store.save(host, key);
      issued.put(host, key);
    }
    LOG.info(
        "certificate for {} received from {} (serial {}), valid until {}; stored in {}",
        host,
        from,
        key.leaf().getSerialNumber().toString(16),
        key.leaf().getNotAfter().toInstant(),
        store.dir(host));
    return true;
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

  private void checkSoon() {
    if (!thread.isShutdown()) {
      try {
        thread.execute(this::check);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closing
      }
    }
  }

  private Instant challengeExpiry() {
    return Instant.now().plus(settings.orderTimeout().multipliedBy(3));
  }

  private void loadStored() {
    Map<String, CertifiedKey> stored = store.loadAll();
    issued.putAll(stored);
    if (!stored.isEmpty()) {
      LOG.info("serving {} stored certificate(s): {}", stored.size(), stored.keySet());
    }
  }

  /** Gets what is missing or due, then plans the next check. On the manager's thread. */
  private void check() {
    Instant next = Instant.now().plus(settings.checkInterval());
    try {
      if (!peers.joined()) {
        // Who orders depends on who is up: wait until this node knows.
        next = Instant.now().plus(JOIN_POLL);
        if (!toldJoining) {
          toldJoining = true;
          LOG.info("getting certificates once this node is up in the cluster");
        }
        return;
      }
      forgetStale();
      // This node's hosts first (their account decides), then hosts others asked it to order.
      Map<String, AcmeHost> todo = new LinkedHashMap<>();
      for (AcmeHost h : wanted) {
        if (!h.wildcard()) {
          todo.putIfAbsent(h.host(), h);
        }
      }
      requests.forEach((host, r) -> todo.putIfAbsent(host, r.host()));
      Set<String> up = peers.up();
      for (AcmeHost h : todo.values()) {
        Instant retry = checkHost(h, up);
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

  /** One host: nothing, a copy from its orderer, or an order; returns when to look again. */
  private Instant checkHost(AcmeHost h, Set<String> up) {
    CertifiedKey have = issued.get(h.host());
    Request asked = requests.get(h.host());
    if (have != null && !policy.due(have.leaf(), Instant.now())) {
      failures.remove(h.host());
      fetchFailures.remove(h.host());
      if (asked != null) {
        deliver(h, have, asked.by(), up);
        requests.remove(h.host(), asked);
      }
      return null;
    }
    String self = peers.self();
    String orderer = Orderer.of(h.servers(), up, self);
    if (!orderer.equals(self) && asked == null) {
      return fetchFromOrderer(h, orderer, have);
    }
    Failures f = failures.get(h.host());
    if (f != null && f.nextAttempt().isAfter(Instant.now())) {
      return f.nextAttempt();
    }
    if (have == null && copyFromPeers(h, up)) {
      return null;
    }
    return order(h, have, f, up);
  }

  /**
   * A non-orderer's way to its certificate: ask the orderer (which orders it when it has none).
   * Returns when to ask again, or null when this node now has one that is not due.
   */
  private Instant fetchFromOrderer(AcmeHost h, String orderer, CertifiedKey have) {
    Failures f = fetchFailures.get(h.host());
    if (f != null && f.nextAttempt().isAfter(Instant.now())) {
      return f.nextAttempt();
    }
    String problem;
    try {
      SharedCertificate copy = await(peers.fetch(orderer, h, true));
      if (copy != null) {
        receive(copy, orderer);
        CertifiedKey now = issued.get(h.host());
        if (now != null && !policy.due(now.leaf(), Instant.now())) {
          fetchFailures.remove(h.host());
          return null;
        }
        problem = orderer + " sent one that is due as well";
      } else {
        problem = orderer + " has none yet and orders it";
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      problem = orderer + " did not answer (" + rootMessage(e) + ")";
    }
    int count = f == null ? 1 : f.count() + 1;
    Duration wait = policy.retryDelay(count);
    Instant retry = Instant.now().plus(wait);
    fetchFailures.put(h.host(), new Failures(count, retry));
    LOG.info(
        "the certificate for {} ({}) is ordered by {}: {}; asking again in {} unless it arrives"
            + " before; meanwhile {} is served {}",
        h.host(),
        h.app(),
        orderer,
        problem,
        Durations.format(wait),
        h.host(),
        have == null ? "a self-signed certificate" : "its current certificate");
    return retry;
  }

  /**
   * Before a first order: takes a copy from another server of the environment that has one (the
   * orderer changed, or this node's home was wiped), so no new order is placed for it.
   */
  private boolean copyFromPeers(AcmeHost h, Set<String> up) {
    for (String server : h.servers()) {
      if (server.equals(peers.self()) || !up.contains(server)) {
        continue;
      }
      try {
        SharedCertificate copy = await(peers.fetch(server, h, false));
        if (copy != null && receive(copy, server)) {
          return true;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (Exception e) {
        LOG.debug("no copy of the certificate for {} from {}: {}", h.host(), server, e.toString());
      }
    }
    return false;
  }

  /** One order; returns when to try again after a failure, null on success. */
  private Instant order(AcmeHost h, CertifiedKey have, Failures before, Set<String> up) {
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
                public void publish(String token, String keyAuthorization)
                    throws InterruptedException {
                  challenges.put(token, new Challenge(keyAuthorization, challengeExpiry()));
                  share(h, token, keyAuthorization, up);
                }

                @Override
                public void withdraw(String token) {
                  challenges.remove(token);
                  if (!up.isEmpty()) {
                    peers.withdrawChallenge(up, token);
                  }
                }
              });
      synchronized (issued) {
        issued.put(h.host(), key);
      }
      failures.remove(h.host());
      LOG.info(
          "certificate for {} issued by {} (serial {}), valid until {} ({} ms); stored in {}",
          h.host(),
          key.leaf().getIssuerX500Principal().getName(),
          key.leaf().getSerialNumber().toString(16),
          key.leaf().getNotAfter().toInstant(),
          (System.nanoTime() - t0) / 1_000_000,
          store.dir(h.host()));
      // Those that asked meanwhile get it too; whoever asks later is answered from issued.
      Request asked = requests.get(h.host());
      deliver(h, key, asked == null ? Set.of() : asked.by(), up);
      if (asked != null) {
        requests.remove(h.host(), asked);
      }
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
              + " environment's servers and port 80 must be reachable from the internet; retrying"
              + " in {} ({} failure(s)); meanwhile {} is served {}",
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

  /**
   * Makes a pending challenge known to every other up node before the CA is told to validate it,
   * waiting for their acknowledgements (each ask is bounded); the order goes on without those that
   * did not answer.
   */
  private void share(AcmeHost h, String token, String keyAuthorization, Set<String> up)
      throws InterruptedException {
    if (up.isEmpty()) {
      return;
    }
    Set<String> acked;
    try {
      acked = await(peers.publishChallenge(up, token, keyAuthorization));
    } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
      acked = Set.of();
    }
    Set<String> missing = new TreeSet<>(up);
    missing.removeAll(acked);
    if (missing.isEmpty()) {
      LOG.info("challenge for {} known to {} as well", h.host(), new TreeSet<>(acked));
    } else {
      LOG.warn(
          "challenge for {}: no acknowledgement in time from {}; validation requests that reach"
              + " them fail (the order goes on)",
          h.host(),
          missing);
    }
  }

  /**
   * Hands a certificate to the environment's other up servers and to those that asked for it; one
   * that does not take it now asks for it when it needs it.
   */
  private void deliver(AcmeHost h, CertifiedKey key, Set<String> askers, Set<String> up) {
    Set<String> to = new TreeSet<>(h.servers());
    to.addAll(askers);
    to.remove(peers.self());
    to.retainAll(up);
    if (to.isEmpty()) {
      return;
    }
    SharedCertificate shared = SharedCertificate.of(h.host(), key);
    LOG.info("delivering the certificate for {} to {}", h.host(), to);
    for (String server : to) {
      peers
          .deliver(server, shared)
          .whenComplete(
              (taken, failure) -> {
                if (failure != null) {
                  LOG.info(
                      "{} did not take the certificate for {} ({}); it asks for it when it needs"
                          + " it",
                      server,
                      h.host(),
                      rootMessage(failure));
                } else {
                  LOG.debug("{} took the certificate for {}: {}", server, h.host(), taken);
                }
              });
    }
  }

  /** Drops expired challenges and the requests nobody repeated for a long time. */
  private void forgetStale() {
    Instant now = Instant.now();
    challenges.values().removeIf(c -> c.expires().isBefore(now));
    Instant stale = now.minus(settings.retryMax().multipliedBy(3)).minus(settings.checkInterval());
    requests.values().removeIf(r -> r.lastAsked().isBefore(stale));
  }

  private <T> T await(java.util.concurrent.CompletionStage<T> stage)
      throws InterruptedException, java.util.concurrent.ExecutionException, TimeoutException {
    return stage
        .toCompletableFuture()
        .get(settings.orderTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while ((t instanceof java.util.concurrent.ExecutionException
            || t instanceof java.util.concurrent.CompletionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
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
