package dev.tako.proxy;

import dev.tako.proxy.channels.ChannelNames;
import dev.tako.proxy.tls.AcmeChallenges;
import java.util.Optional;

/**
 * What the proxy does with a parsed request head, decided before any byte moves: answer an ACME
 * challenge, answer itself (404 unknown host, 307 to HTTPS, 503 no instance, 413 body over the
 * limit), try a static file, wait for a cold start, serve a channel stream, or forward to an
 * instance. A pure function of the head's facts, the listener, the route snapshot and the body
 * limit (the challenge lookup is a read of the pending challenges); it never fails. The per-client
 * limit (429) is the connection's, between a {@link Challenge} and everything else, because it
 * takes a slot.
 */
final class RequestTriage {
  static final String ACME_PREFIX = "/.well-known/acme-challenge/";

  private RequestTriage() {}

  /**
   * The facts of a request head triage looks at.
   *
   * @param host the Host header value ("" without one)
   * @param path the request path, without the query
   * @param query the query with its {@code ?}, or ""
   * @param safeMethod GET or HEAD
   * @param upgrade the request asks for a protocol upgrade
   * @param contentLength the declared body length, or -1
   */
  record Request(
      String host,
      String path,
      String query,
      boolean safeMethod,
      boolean upgrade,
      long contentLength) {}

  /** One outcome; {@link #target()} is the matched app, null when there is none. */
  sealed interface Decision {
    Target target();
  }

  /** An ACME HTTP-01 challenge answered with its key authorization (before any limit or route). */
  record Challenge(String keyAuthorization) implements Decision {
    @Override
    public Target target() {
      return null;
    }
  }

  /**
   * The proxy's own short answer.
   *
   * @param target the matched app, or null (404)
   * @param header one extra header line without CRLF (e.g. Location), or null
   */
  record Answer(Target target, int status, String reason, String header) implements Decision {}

  /** Answer from the app's {@code public/} when the path names a file there, else {@code app}. */
  record Static(Target target, Decision app) implements Decision {}

  /** The app is scaled to zero: wait for its start, then forward. */
  record ColdStart(Target target) implements Decision {}

  /** A channel subscription at {@code /_tako/channels/NAME}: the proxy serves it itself. */
  record Channel(Target target) implements Decision {}

  /** Forward to one of the target's instances. */
  record Forward(Target target) implements Decision {}

  static Decision decide(
      Request request, ProxyListener listener, RouteSnapshot routes, long maxRequestBody) {
    boolean acme = false;
    if (listener instanceof ProxyListener.Plain plain && request.path().startsWith(ACME_PREFIX)) {
      acme = true;
      if (plain.challenges() != AcmeChallenges.NONE && request.safeMethod()) {
        String answer =
            plain.challenges().keyAuthorization(request.path().substring(ACME_PREFIX.length()));
        if (answer != null) {
          return new Challenge(answer);
        }
      }
    }
    Optional<Target> found = routes.match(request.host(), request.path());
    if (found.isEmpty()) {
      return new Answer(null, 404, "Not Found", null);
    }
    Target target = found.get();
    // A challenge the plain port does not know may still be the app's own: never redirected.
    if (!acme
        && target.secure()
        && listener instanceof ProxyListener.Plain plain
        && plain.httpsPort() > 0) {
      return new Answer(
          target,
          307,
          "Temporary Redirect",
          "Location: " + HttpsRedirect.location(request, plain.httpsPort()));
    }
    if (request.path().startsWith(ChannelNames.PREFIX)) {
      return new Channel(target);
    }
    Decision app = toApp(request, target, maxRequestBody);
    if (target.publicDir() != null && request.safeMethod() && !request.upgrade()) {
      return new Static(target, app);
    }
    return app;
  }

  private static Decision toApp(Request request, Target target, long maxRequestBody) {
    if (target.isEmpty() && !target.cold()) {
      return new Answer(target, 503, "Service Unavailable", null);
    }
    if (request.contentLength() > maxRequestBody) {
      return new Answer(target, 413, "Payload Too Large", null);
    }
    return target.isEmpty() ? new ColdStart(target) : new Forward(target);
  }
}
