package dev.tako.node.logs;

import dev.tako.node.api.ApiDirectives;
import dev.tako.protocol.api.ApiError;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/logs?app=A&env=E[&since=ISO-8601][&server=S][&limit=N]}: the app's log lines from
 * every reachable server merged in time order ({@link ClusterLogs}), as a {@link
 * dev.tako.protocol.api.LogsView}. Without {@code since}, the newest {@code limit} lines (default
 * {@value #DEFAULT_LIMIT}, at most {@link LogReader#MAX_LIMIT}). Bad parameters are 400s naming the
 * parameter. Mounted under {@code /v1} by {@link dev.tako.node.ManagementRoutes}.
 */
public final class LogsRoutes extends AllDirectives {
  static final int DEFAULT_LIMIT = 1000;
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");

  private final ClusterLogs logs;

  public LogsRoutes(ClusterLogs logs) {
    this.logs = logs;
  }

  public Route route() {
    return path(
        "logs",
        () ->
            get(
                () ->
                    parameter(
                        "app",
                        app ->
                            parameter(
                                "env",
                                env ->
                                    parameterOptional(
                                        "since",
                                        since ->
                                            parameterOptional(
                                                "server",
                                                server ->
                                                    parameterOptional(
                                                        "limit",
                                                        limit ->
                                                            read(
                                                                app, env, since, server,
                                                                limit))))))));
  }

  private Route read(
      String app,
      String env,
      Optional<String> since,
      Optional<String> server,
      Optional<String> limit) {
    if (!NAME.matcher(app).matches()) {
      return bad("app " + app + " is not a valid app name", "app");
    }
    if (!NAME.matcher(env).matches()) {
      return bad("env " + env + " is not a valid environment name", "env");
    }
    long sinceMillis = 0;
    if (since.isPresent()) {
      try {
        sinceMillis = Instant.parse(since.get()).toEpochMilli();
      } catch (DateTimeParseException e) {
        return bad(
            "since " + since.get() + " is not an ISO-8601 instant (2026-11-27T10:00:00Z)", "since");
      }
    }
    int max = DEFAULT_LIMIT;
    if (limit.isPresent()) {
      try {
        max = Integer.parseInt(limit.get());
      } catch (NumberFormatException e) {
        max = -1;
      }
      if (max < 1 || max > LogReader.MAX_LIMIT) {
        return bad("limit must be 1 to " + LogReader.MAX_LIMIT + ", not " + limit.get(), "limit");
      }
    }
    return onSuccess(
        logs.read(app, env, sinceMillis, max, server.orElse(null)),
        view -> ApiDirectives.json(StatusCodes.OK, view));
  }

  private static Route bad(String message, String field) {
    return ApiDirectives.json(StatusCodes.BAD_REQUEST, new ApiError(message, field));
  }
}
