package dev.tako.proxy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * Header policy of the benchmark's older {@link HttpProxy} (SPEC §9), on Pekko HTTP's header model:
 * which headers cross the proxy, and the {@code X-Forwarded-*} and {@code X-Request-ID} it adds.
 * The request id rule itself is {@link ForwardedHeaders}'. Pure functions; nothing fails (a
 * malformed client {@code X-Request-ID} is replaced, not rejected).
 */
final class PekkoForwardedHeaders {
  /** RFC 9110 §7.6.1 hop-by-hop headers, Proxy-Connection, and Pekko's synthetic Timeout-Access. */
  private static final Set<String> DROPPED =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-authenticate",
          "proxy-authorization",
          "proxy-connection",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "timeout-access");

  /** Replaced by the proxy's own values on the way in. */
  private static final Set<String> REPLACED_IN =
      Set.of("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-request-id");

  private PekkoForwardedHeaders() {}

  /** The client's X-Request-ID when it is 1–200 visible ASCII characters, else a random UUID. */
  static String requestId(Iterable<HttpHeader> headers) {
    for (HttpHeader header : headers) {
      if (header.is("x-request-id") && ForwardedHeaders.isSafeId(header.value())) {
        return header.value();
      }
    }
    return ForwardedHeaders.newRequestId();
  }

  /**
   * Headers to send upstream: the visitor's (Host included) minus hop-by-hop ones, plus {@code
   * X-Forwarded-For} (client address appended), {@code -Proto}, {@code -Host} and {@code
   * X-Request-ID}.
   *
   * @param clientAddress the visitor's IP, or null when unknown (then X-Forwarded-For is only
   *     passed on)
   * @param hostHeader the visitor's Host header value, or "" without one
   */
  static List<HttpHeader> toUpstream(
      Iterable<HttpHeader> headers,
      String clientAddress,
      String hostHeader,
      String proto,
      String requestId) {
    Set<String> named = connectionTokens(headers);
    List<HttpHeader> out = new ArrayList<>();
    StringBuilder forwardedFor = new StringBuilder();
    for (HttpHeader header : headers) {
      String name = header.lowercaseName();
      if (name.equals("x-forwarded-for")) {
        if (forwardedFor.length() > 0) {
          forwardedFor.append(", ");
        }
        forwardedFor.append(header.value());
      } else if (!DROPPED.contains(name) && !REPLACED_IN.contains(name) && !named.contains(name)) {
        out.add(header);
      }
    }
    if (clientAddress != null) {
      if (forwardedFor.length() > 0) {
        forwardedFor.append(", ");
      }
      forwardedFor.append(clientAddress);
    }
    if (forwardedFor.length() > 0) {
      out.add(RawHeader.create("X-Forwarded-For", forwardedFor.toString()));
    }
    out.add(RawHeader.create("X-Forwarded-Proto", proto));
    if (!hostHeader.isEmpty()) {
      out.add(RawHeader.create("X-Forwarded-Host", hostHeader));
    }
    out.add(RawHeader.create(ForwardedHeaders.REQUEST_ID, requestId));
    return out;
  }

  /** Headers to send back: the app's minus hop-by-hop ones, with the request's X-Request-ID. */
  static List<HttpHeader> toVisitor(Iterable<HttpHeader> headers, String requestId) {
    Set<String> named = connectionTokens(headers);
    List<HttpHeader> out = new ArrayList<>();
    for (HttpHeader header : headers) {
      String name = header.lowercaseName();
      if (!DROPPED.contains(name) && !name.equals("x-request-id") && !named.contains(name)) {
        out.add(header);
      }
    }
    out.add(RawHeader.create(ForwardedHeaders.REQUEST_ID, requestId));
    return out;
  }

  /** Header names a Connection header declares hop-by-hop (RFC 9110 §7.6.1). */
  private static Set<String> connectionTokens(Iterable<HttpHeader> headers) {
    Set<String> tokens = null;
    for (HttpHeader header : headers) {
      if (header.is("connection")) {
        for (String token : header.value().split(",")) {
          String t = token.trim().toLowerCase(Locale.ROOT);
          if (!t.isEmpty() && !t.equals("host")) {
            if (tokens == null) {
              tokens = new HashSet<>();
            }
            tokens.add(t);
          }
        }
      }
    }
    return tokens == null ? Set.of() : tokens;
  }
}
