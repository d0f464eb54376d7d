package dev.tako.proxy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.ConnectException;
import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP proxy (SPEC §9): a Pekko HTTP server that routes each request by Host and path
 * through the latest {@link RouteSnapshot} and forwards it, streaming both bodies, over a pooled
 * client to one of the app's upstreams (round robin). It owns the header policy ({@link
 * PekkoForwardedHeaders}), the body limit and the mapping of failures to status codes; it never
 * asks an actor per request.
 *
 * <p>Failures become short generic answers (details go to the log with the request id): unknown
 * host 404, app without a ready instance 503, body over the limit 413, upstream refused 502 (after
 * one retry on the next upstream when there is one), upstream connect or read timeout 504, any
 * other upstream failure 502. The binding itself fails its {@link CompletionStage} (e.g. port in
 * use).
 *
 * <p>Not yet here (SPEC §9): static files, upgrades/WebSocket, gzip, per-client limits, metrics.
 */
public final class HttpProxy {
  private static final String PROTO = "http";

  private final ActorSystem<?> system;
  private final Http http;
  private final Logger log;
  private final ProxySettings settings;
  private final ConnectionPoolSettings poolSettings;
  private final HttpsConnectionContext httpsContext;
  private final LoggingAdapter clientLog;
  private final RouteSnapshots routes;

  private HttpProxy(ActorSystem<?> system, RouteSnapshots routes, ProxySettings settings) {
    this.system = system;
    this.http = Http.get(system);
    this.log = LoggerFactory.getLogger(HttpProxy.class);
    this.settings = settings;
    this.routes = routes;
    this.poolSettings = ConnectionPoolSettings.create(clientConfig(system.settings().config()));
    this.httpsContext = http.defaultClientHttpsContext();
    this.clientLog = Adapter.toClassic(system).log();
  }

  /**
   * Binds the proxy.
   *
   * @param iface the interface to listen on ("0.0.0.0" in production, "127.0.0.1" in tests)
   * @param port the port, 0 for any free one (read it from the binding)
   * @return the binding, failed when the port cannot be bound
   */
  public static CompletionStage<ServerBinding> bind(
      ActorSystem<?> system,
      String iface,
      int port,
      RouteSnapshots routes,
      ProxySettings settings) {
    HttpProxy proxy = new HttpProxy(system, routes, settings);
    ServerSettings serverSettings =
        ServerSettings.create(serverConfig(system.settings().config(), settings));
    return Http.get(system)
        .newServerAt(iface, port)
        .withSettings(serverSettings)
        .bind(proxy::handle);
  }

  private static Config serverConfig(Config base, ProxySettings settings) {
    return ConfigFactory.parseMap(
            Map.of(
                "pekko.http.server.request-timeout",
                settings.requestTimeout().toMillis() + "ms",
                "pekko.http.server.idle-timeout",
                settings.idleTimeout().toMillis() + "ms",
                "pekko.http.server.remote-address-attribute",
                "on",
                "pekko.http.server.parsing.max-content-length",
                settings.maxRequestBody()))
        .withFallback(base);
  }

  private Config clientConfig(Config base) {
    String pool = "pekko.http.host-connection-pool.";
    return ConfigFactory.parseMap(
            Map.of(
                // The proxy retries a refused connection itself, once; never replays a request.
                pool + "max-retries",
                0,
                pool + "client.connecting-timeout",
                settings.connectTimeout().toMillis() + "ms",
                pool + "client.idle-timeout",
                settings.readTimeout().toMillis() + "ms",
                pool + "client.parsing.max-content-length",
                "infinite"))
        .withFallback(base);
  }

  private CompletionStage<HttpResponse> handle(HttpRequest request) {
    String requestId = PekkoForwardedHeaders.requestId(request.getHeaders());
    String hostHeader = request.getHeader("host").map(HttpHeader::value).orElse("");
    Optional<Target> found = routes.current().match(hostHeader, request.getUri().path());
    if (found.isEmpty()) {
      log.debug(
          "No route for host [{}] path [{}] ({})", hostHeader, request.getUri().path(), requestId);
      request.discardEntityBytes(system);
      return done(error(StatusCodes.NOT_FOUND, "Not Found", requestId));
    }
    Target target = found.get();
    if (target.isEmpty()) {
      log.info("App {} has no ready instance ({})", target.appKey(), requestId);
      request.discardEntityBytes(system);
      return done(error(StatusCodes.SERVICE_UNAVAILABLE, "Service Unavailable", requestId));
    }
    long declared = request.entity().getContentLengthOption().orElse(-1L);
    if (declared > settings.maxRequestBody()) {
      log.info(
          "Request body of {} bytes over the limit for {} ({})",
          declared,
          target.appKey(),
          requestId);
      // Not drained: Pekko closes the connection instead of reading the oversized body.
      return done(
          error(StatusCodes.PAYLOAD_TOO_LARGE, "Payload Too Large", requestId)
              .addHeader(Connection.create("close")));
    }
    String client = clientAddress(request);
    HttpRequest outgoing =
        request.withHeaders(
            PekkoForwardedHeaders.toUpstream(
                request.getHeaders(), client, hostHeader, PROTO, requestId));
    Upstream upstream = target.next();
    return forward(outgoing, target, upstream, requestId, true);
  }

  private CompletionStage<HttpResponse> forward(
      HttpRequest outgoing, Target target, Upstream upstream, String requestId, boolean mayRetry) {
    HttpRequest toUpstream =
        outgoing.withUri(
            outgoing.getUri().scheme("http").host(upstream.host()).port(upstream.port()));
    return http.singleRequest(toUpstream, httpsContext, poolSettings, clientLog)
        .handle(
            (response, failure) -> {
              if (failure == null) {
                return done(
                    response.withHeaders(
                        PekkoForwardedHeaders.toVisitor(response.getHeaders(), requestId)));
              }
              Optional<Upstream> other = target.after(upstream);
              if (mayRetry && isRefused(failure) && other.isPresent()) {
                log.warn(
                    "Upstream {} of {} refused the connection, retrying on {} ({})",
                    upstream,
                    target.appKey(),
                    other.get(),
                    requestId);
                return forward(outgoing, target, other.get(), requestId, false);
              }
              return done(failed(failure, target, upstream, requestId));
            })
        .thenCompose(stage -> stage);
  }

  private HttpResponse failed(Throwable failure, Target target, Upstream upstream, String id) {
    if (has(failure, EntityStreamSizeException.class)) {
      log.info("Request body over the limit for {} ({})", target.appKey(), id);
      return error(StatusCodes.PAYLOAD_TOO_LARGE, "Payload Too Large", id)
          .addHeader(Connection.create("close"));
    }
    if (isTimeout(failure)) {
      log.warn(
          "Upstream {} of {} timed out ({}): {}",
          upstream,
          target.appKey(),
          id,
          failure.toString());
      return error(StatusCodes.GATEWAY_TIMEOUT, "Gateway Timeout", id);
    }
    log.warn(
        "Upstream {} of {} failed ({}): {}", upstream, target.appKey(), id, failure.toString());
    return error(StatusCodes.BAD_GATEWAY, "Bad Gateway", id);
  }

  /** A refused (or reset before connecting) TCP connect, as opposed to a connect timeout. */
  private static boolean isRefused(Throwable failure) {
    return has(failure, ConnectException.class) && !isTimeout(failure);
  }

  /** Pekko reports a connect timeout as a ConnectException saying "Connect timeout ...". */
  private static boolean isTimeout(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof TimeoutException) {
        return true;
      }
      String message = t.getMessage();
      if (message != null && message.toLowerCase(java.util.Locale.ROOT).contains("timeout")) {
        return true;
      }
    }
    return false;
  }

  private static boolean has(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static String clientAddress(HttpRequest request) {
    return request
        .getAttribute(AttributeKeys.remoteAddress)
        .flatMap(RemoteAddress::getAddress)
        .map(InetAddress::getHostAddress)
        .orElse(null);
  }

  private static HttpResponse error(StatusCode status, String text, String requestId) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(ContentTypes.TEXT_PLAIN_UTF8, text + "\n")
        .addHeader(RawHeader.create(ForwardedHeaders.REQUEST_ID, requestId));
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
