package dev.tako.proxy.channels;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Asks the app whether a visitor may subscribe to or publish on a channel that is not public (SPEC
 * §13): {@code GET <authorize>?channel=NAME&op=subscribe|publish} to a ready instance on this node,
 * with the visitor's Cookie and Authorization headers. 2xx allows, any other status refuses; no
 * answer within the timeout (or no connection) is {@link Verdict#UNAVAILABLE}. Never blocks: the
 * answer completes on the HTTP client's threads.
 */
public final class ChannelAuthorizer {
  /** What the app said. */
  public enum Verdict {
    ALLOWED,
    REFUSED,
    UNAVAILABLE
  }

  /** subscribe or publish. */
  public enum Op {
    SUBSCRIBE,
    PUBLISH;

    String query() {
      return this == SUBSCRIBE ? "subscribe" : "publish";
    }
  }

  /** The visitor's headers passed on (null when absent). */
  public record Visitor(String cookie, String authorization, String requestId, String address) {}

  private final HttpClient client;
  private final Duration timeout;

  public ChannelAuthorizer(Duration timeout) {
    this.timeout = timeout;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** The URI asked for one decision (the channel name needs no escaping; op is fixed). */
  static URI uri(String host, int port, String path, String channel, Op op) {
    return URI.create(
        "http://"
            + host
            + ":"
            + port
            + path
            + "?channel="
            + URLEncoder.encode(channel, StandardCharsets.UTF_8)
            + "&op="
            + op.query());
  }

  public CompletionStage<Verdict> ask(
      String host, int port, String path, String channel, Op op, Visitor visitor) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(host, port, path, channel, op)).timeout(timeout).GET();
    if (visitor.cookie() != null) {
      request.header("Cookie", visitor.cookie());
    }
    if (visitor.authorization() != null) {
      request.header("Authorization", visitor.authorization());
    }
    if (visitor.requestId() != null) {
      request.header("X-Request-ID", visitor.requestId());
    }
    if (visitor.address() != null) {
      request.header("X-Forwarded-For", visitor.address());
    }
    try {
      return client
          .sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
          .handle(
              (response, failure) -> {
                if (failure != null) {
                  return Verdict.UNAVAILABLE;
                }
                int status = response.statusCode();
                return status >= 200 && status < 300 ? Verdict.ALLOWED : Verdict.REFUSED;
              });
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(Verdict.UNAVAILABLE);
    }
  }
}
