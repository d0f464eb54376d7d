package dev.tako.node.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.tako.protocol.Json;
import dev.tako.protocol.api.ApiError;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * What every management route shares: JSON answers, strict JSON bodies (a bad body is a 400 naming
 * the field) and the {@code ?app=A&env=E} form of the per-app GETs. Each feature's routes extend
 * this class.
 */
public abstract class ApiDirectives extends AllDirectives {

  public static Route json(StatusCode status, Object value) {
    return new AllDirectives() {}.complete(
        HttpResponse.create()
            .withStatus(status)
            .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.write(value))));
  }

  /** A 400 naming what is wrong and the field. */
  protected static Route badRequest(String message, String field) {
    return json(StatusCodes.BAD_REQUEST, new ApiError(message, field));
  }

  /** {@code GET /v1/<segment>?app=A&env=E}, answered by {@code answer}. */
  protected Route getForApp(String segment, BiFunction<String, String, Route> answer) {
    return path(
        segment,
        () -> get(() -> parameter("app", app -> parameter("env", env -> answer.apply(app, env)))));
  }

  /**
   * {@code POST /v1/<segment>} with a JSON body naming servers; a body naming none is a 400 ("a
   * {@code what} names at least one server").
   */
  protected <T> Route postToServers(
      String segment,
      Class<T> type,
      Function<T, List<String>> servers,
      String what,
      Function<T, Route> inner) {
    return path(
        segment,
        () ->
            post(
                () ->
                    body(
                        type,
                        req ->
                            servers.apply(req).isEmpty()
                                ? badRequest("a " + what + " names at least one server", "servers")
                                : inner.apply(req))));
  }

  /** Parses a JSON body strictly; a bad body is a 400 naming the field. */
  protected <T> Route body(Class<T> type, Function<T, Route> inner) {
    return entity(
        Unmarshaller.entityToString(),
        text -> {
          try {
            return inner.apply(Json.strict().readValue(text, type));
          } catch (UnrecognizedPropertyException e) {
            return badRequest("unknown field \"" + e.getPropertyName() + "\"", e.getPropertyName());
          } catch (MismatchedInputException e) {
            String field = fieldOf(e).orElse(null);
            return badRequest(
                "wrong type or missing value" + (field == null ? "" : " for " + field), field);
          } catch (JsonProcessingException e) {
            return json(
                StatusCodes.BAD_REQUEST, ApiError.of("malformed JSON: " + e.getOriginalMessage()));
          } catch (RuntimeException e) {
            return json(StatusCodes.BAD_REQUEST, ApiError.of("invalid request: " + e.getMessage()));
          }
        });
  }

  private static Optional<String> fieldOf(MismatchedInputException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName())
        .filter(n -> n != null)
        .reduce((a, b) -> a + "." + b);
  }
}
