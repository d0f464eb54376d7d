package dev.tako.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/** Plain HTTP against a node's proxy, with the Host a visitor would send. */
final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Http() {}

  static HttpResponse<String> get(int port, String host, String path)
      throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Host", host)
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build();
    return CLIENT.send(req, HttpResponse.BodyHandlers.ofString());
  }

  /** Awaits a response that satisfies the condition, failing with the last one seen. */
  static HttpResponse<String> await(
      int port, String host, String path, Predicate<HttpResponse<String>> ok, Duration timeout) {
    java.util.concurrent.atomic.AtomicReference<String> last =
        new java.util.concurrent.atomic.AtomicReference<>("no response");
    try {
      return org.awaitility.Awaitility.await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                try {
                  HttpResponse<String> r = get(port, host, path);
                  last.set(r.statusCode() + " " + r.body());
                  return r;
                } catch (IOException e) {
                  last.set(e.toString());
                  return null;
                }
              },
              r -> r != null && ok.test(r));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "http://127.0.0.1:"
              + port
              + path
              + " (Host "
              + host
              + ") never matched within "
              + timeout
              + "; last: "
              + last.get(),
          e);
    }
  }
}
