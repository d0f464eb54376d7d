package dev.tako.proxy;

/** The {@code Location} of the plain port's 307 to HTTPS: the same URL over HTTPS. */
final class HttpsRedirect {
  private HttpsRedirect() {}

  /** The request's URL over HTTPS on {@code port} (left out when 443). */
  static String location(RequestTriage.Request request, int port) {
    String host = request.host();
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      host = close > 0 ? host.substring(0, close + 1) : host;
    } else {
      int colon = host.indexOf(':');
      host = colon >= 0 ? host.substring(0, colon) : host;
    }
    return "https://" + host + (port == 443 ? "" : ":" + port) + request.path() + request.query();
  }
}
