package dev.tako.node.channels;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tako.proxy.channels.ChannelHub;
import dev.tako.proxy.channels.ChannelKey;
import dev.tako.proxy.channels.ChannelRetention;
import dev.tako.proxy.channels.ChannelUnavailableException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;

/**
 * The apps' publish endpoint (SPEC §13), on 127.0.0.1 only: {@code POST /channels/APP/ENV/NAME}
 * with {@code Authorization: Bearer TAKO_CHANNELS_TOKEN} and the message as body answers {@code
 * {"id": "…"}}. 401 without the app/env's token, 400 for a bad name, 413 for a body over 64 KiB,
 * 503 with Retry-After where the channel cannot keep its order now.
 */
public final class PublishEndpoint {
  public static final int MAX_MESSAGE = 64 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where a publish's retention comes from (tako.toml's [channels], once the routes carry it). */
  public interface Retentions {
    ChannelRetention of(String app, String env);
  }

  private final ChannelHub hub;
  private final PublishTokens tokens;
  private final Retentions retentions;
  private final Materializer materializer;

  PublishEndpoint(
      ActorSystem<?> system, ChannelHub hub, PublishTokens tokens, Retentions retentions) {
    this.hub = hub;
    this.tokens = tokens;
    this.retentions = retentions;
    this.materializer = Materializer.matFromSystem(system);
  }

  public CompletionStage<HttpResponse> handle(HttpRequest request) {
    String[] parts = request.getUri().path().split("/", -1);
    // "", "channels", app, env, name
    if (parts.length != 5 || !parts[1].equals("channels")) {
      request.discardEntityBytes(materializer);
      return done(error(StatusCodes.NOT_FOUND, "publish with POST " + "/channels/APP/ENV/NAME"));
    }
    String app = parts[2];
    String env = parts[3];
    String name = parts[4];
    if (request.method() != HttpMethods.POST) {
      request.discardEntityBytes(materializer);
      return done(
          error(StatusCodes.METHOD_NOT_ALLOWED, "publish with POST $TAKO_CHANNELS_URL/NAME"));
    }
    String auth = request.getHeader("Authorization").map(h -> h.value()).orElse("");
    String token = auth.startsWith("Bearer ") ? auth.substring(7).trim() : null;
    if (!tokens.valid(app, env, token)) {
      request.discardEntityBytes(materializer);
      return done(
          error(
              StatusCodes.UNAUTHORIZED,
              token == null
                  ? "send Authorization: Bearer $TAKO_CHANNELS_TOKEN"
                  : "this is not the token of " + app + "/" + env + " ($TAKO_CHANNELS_TOKEN)"));
    }
    if (!ChannelKeys.validName(name)) {
      request.discardEntityBytes(materializer);
      return done(
          error(
              StatusCodes.BAD_REQUEST,
              "a channel name is 1-128 of A-Z a-z 0-9 . _ : - (got \"" + name + "\")"));
    }
    return request
        .entity()
        .withSizeLimit(MAX_MESSAGE)
        .toStrict(Duration.ofSeconds(10).toMillis(), materializer)
        .thenCompose(
            strict ->
                hub.publish(
                    new ChannelKey(app, env, name),
                    retentions.of(app, env),
                    strict.getData().toArray()))
        .handle(
            (id, failure) -> {
              if (failure == null) {
                return json(StatusCodes.OK, Map.of("id", id));
              }
              Throwable cause =
                  failure instanceof CompletionException ? failure.getCause() : failure;
              if (cause instanceof EntityStreamSizeException) {
                return error(
                    StatusCodes.PAYLOAD_TOO_LARGE,
                    "a message is at most 64 KiB (" + MAX_MESSAGE + " bytes)");
              }
              if (cause instanceof ChannelUnavailableException u) {
                return error(StatusCodes.SERVICE_UNAVAILABLE, u.getMessage())
                    .addHeader(
                        RawHeader.create("Retry-After", Integer.toString(u.retryAfterSeconds())));
              }
              return error(StatusCodes.INTERNAL_SERVER_ERROR, String.valueOf(cause.getMessage()));
            });
  }

  private static CompletionStage<HttpResponse> done(HttpResponse r) {
    return CompletableFuture.completedFuture(r);
  }

  private static HttpResponse error(StatusCode status, String message) {
    return json(status, Map.of("error", message));
  }

  private static HttpResponse json(StatusCode status, Map<String, String> body) {
    try {
      return HttpResponse.create()
          .withStatus(status)
          .withEntity(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(body));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
