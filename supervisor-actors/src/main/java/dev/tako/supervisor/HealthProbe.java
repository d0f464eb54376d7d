package dev.tako.supervisor;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Asynchronous {@code GET http://127.0.0.1:PORT<path>} health checks. Never throws and never fails
 * its stage: connection errors, timeouts and non-2xx answers all become an unhealthy {@link
 * Outcome} with a short human-readable detail. One per supervisor (one HTTP client, one selector
 * thread), shared by its instances.
 */
public final class HealthProbe {

  /** The result of one probe; {@code detail} says what went wrong when not {@code healthy}. */
  public record Outcome(boolean healthy, String detail) {}

  private final HttpClient client;
  private final Duration timeout;

  public HealthProbe(Duration timeout) {
    this.timeout = timeout;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  public CompletionStage<Outcome> check(int port, String path) {
    HttpRequest request;
    try {
      request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(timeout)
              .header("User-Agent", "tako-health")
              .GET()
              .build();
    } catch (IllegalArgumentException e) {
      return java.util.concurrent.CompletableFuture.completedFuture(
          new Outcome(false, "bad health path " + path));
    }
    return client
        .sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .handle(
            (response, error) -> {
              if (error != null) {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                String msg = cause.getMessage();
                return new Outcome(
                    false, cause.getClass().getSimpleName() + (msg == null ? "" : ": " + msg));
              }
              int status = response.statusCode();
              return status >= 200 && status < 300
                  ? new Outcome(true, "HTTP " + status)
                  : new Outcome(false, "HTTP " + status);
            });
  }
}
