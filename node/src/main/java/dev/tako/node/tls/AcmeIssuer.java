package dev.tako.node.tls;

import dev.tako.proxy.tls.CertifiedKey;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.connector.HttpConnector;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;

/**
 * Orders one certificate for one host from an ACME CA (RFC 8555) with the HTTP-01 challenge,
 * through acme4j: the node's account (one key for every CA, so one account per CA, created or found
 * on first use; a CA keeps the contact e-mail of its first registration), a new order, the
 * challenge published while the CA validates, a fresh EC P-256 key for the certificate, then the
 * chain, stored before it is returned.
 *
 * <p>Blocking, and not thread safe: the certificate manager calls it on its own thread. Every
 * failure is an {@link AcmeException} (or IOException) whose message says what went wrong; the
 * caller retries later.
 */
public final class AcmeIssuer {

  /** Where the key authorization of a pending challenge is published for the CA to fetch. */
  public interface ChallengeBoard {
    /** Returns once the challenge can be answered (where it can be in time). */
    void publish(String token, String keyAuthorization) throws InterruptedException;

    void withdraw(String token);
  }

  private final CertificateStore store;
  private final Duration timeout;
  private final SSLContext directoryTrust;
  private final Map<String, Login> logins = new HashMap<>();

  /**
   * @throws IOException when the configured CA bundle cannot be read
   */
  public AcmeIssuer(CertificateStore store, AcmeSettings settings) throws IOException {
    this.store = store;
    this.timeout = settings.orderTimeout();
    this.directoryTrust = settings.directoryCa() == null ? null : trusting(settings);
  }

  /**
   * Orders, validates and downloads a certificate for {@code host}, and stores it.
   *
   * @return the stored key and chain
   */
  public CertifiedKey issue(String host, String directory, String email, ChallengeBoard board)
      throws AcmeException, IOException, InterruptedException {
    String account = directory + " " + email;
    try {
      Login login = login(directory, email);
      Order order = login.getAccount().newOrder().domain(host).create();
      for (Authorization auth : order.getAuthorizations()) {
        if (auth.getStatus() != Status.VALID) {
          validate(host, auth, board);
        }
      }
      Status ready = order.waitUntilReady(timeout);
      if (ready != Status.READY && ready != Status.VALID) {
        throw new AcmeException("the order for " + host + " is " + ready + problem(order));
      }
      KeyPair key = CertificateStore.newKeyPair();
      order.execute(key);
      Status done = order.waitForCompletion(timeout);
      if (done != Status.VALID) {
        throw new AcmeException("the CA did not issue the certificate: " + done + problem(order));
      }
      List<X509Certificate> chain = order.getCertificate().getCertificateChain();
      return store.save(host, key, chain);
    } catch (AcmeException | IOException | RuntimeException e) {
      logins.remove(account); // an account problem is not cached into the next attempt
      throw e;
    }
  }

  private void validate(String host, Authorization auth, ChallengeBoard board)
      throws AcmeException, InterruptedException {
    Http01Challenge challenge =
        auth.findChallenge(Http01Challenge.class)
            .orElseThrow(() -> new AcmeException("the CA offers no http-01 challenge for " + host));
    board.publish(challenge.getToken(), challenge.getAuthorization());
    try {
      challenge.trigger();
      Status status = challenge.waitForCompletion(timeout);
      if (status != Status.VALID) {
        throw new AcmeException(
            "the CA could not validate "
                + host
                + ": "
                + challenge.getError().map(Problem::toString).orElse("status " + status));
      }
    } finally {
      board.withdraw(challenge.getToken());
    }
  }

  private Login login(String directory, String email) throws AcmeException, IOException {
    String account = directory + " " + email;
    Login login = logins.get(account);
    if (login == null) {
      Session session =
          directoryTrust == null
              ? new Session(URI.create(directory), new GenericAcmeProvider())
              : new Session(URI.create(directory), new TrustingProvider(directoryTrust));
      AccountBuilder builder =
          new AccountBuilder().agreeToTermsOfService().useKeyPair(store.accountKey());
      if (email != null && !email.isBlank()) {
        builder.addEmail(email);
      }
      login = builder.createLogin(session);
      logins.put(account, login);
    }
    return login;
  }

  private static String problem(Order order) {
    return order.getError().map(p -> ": " + p).orElse("");
  }

  private static SSLContext trusting(AcmeSettings settings) throws IOException {
    try {
      List<X509Certificate> cas =
          CertificateStore.readChain(Files.readAllBytes(settings.directoryCa()));
      if (cas.isEmpty()) {
        throw new IOException(settings.directoryCa() + " holds no certificate");
      }
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      for (int i = 0; i < cas.size(); i++) {
        trust.setCertificateEntry("ca-" + i, cas.get(i));
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IOException(
          "tako.tls.acme.directory-ca: cannot use " + settings.directoryCa() + ": " + e, e);
    }
  }

  /**
   * The generic provider, with HTTPS to the directory verified against the configured CA bundle
   * instead of the JVM's trust store (acme4j 3 builds its java.net.http client in {@link
   * HttpConnector#createClientBuilder()}).
   */
  private static final class TrustingProvider extends GenericAcmeProvider {
    private final SSLContext trust;

    TrustingProvider(SSLContext trust) {
      this.trust = trust;
    }

    @Override
    protected HttpConnector createHttpConnector(NetworkSettings settings) {
      return new HttpConnector(settings) {
        @Override
        public HttpClient.Builder createClientBuilder() {
          return super.createClientBuilder().sslContext(trust);
        }
      };
    }
  }
}
