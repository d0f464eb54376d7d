package dev.tako.protocol;

import java.util.Comparator;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One route of SPEC §3: an exact host ({@code hello.example.com}), a wildcard host ({@code
 * *.hello.example.com}: one or more labels in front) or either with a path prefix ({@code
 * example.com/api/*}). Hosts are compared case-insensitively and without a port.
 *
 * @param host the host, lower case, without the {@code *.} of a wildcard
 * @param wildcard true for {@code *.host}
 * @param pathPrefix "" for any path, else a prefix such as {@code /api} (no trailing slash)
 */
public record RoutePattern(String host, boolean wildcard, String pathPrefix) {
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  /** Most specific first: exact host over wildcard, longer host, then longer path prefix. */
  public static final Comparator<RoutePattern> MOST_SPECIFIC_FIRST =
      Comparator.comparing((RoutePattern r) -> r.wildcard)
          .thenComparing(r -> -r.host.length())
          .thenComparing(r -> -r.pathPrefix.length());

  /**
   * Parses a route as written in tako.toml.
   *
   * @throws IllegalArgumentException with a message saying what is accepted
   */
  public static RoutePattern parse(String route) {
    if (route == null || route.isBlank()) {
      throw new IllegalArgumentException("a route is a host name, *.host or host/path/*");
    }
    // Hosts are case-insensitive, paths are not.
    String text = route.trim();
    String hostPart = text;
    String prefix = "";
    int slash = text.indexOf('/');
    if (slash >= 0) {
      hostPart = text.substring(0, slash);
      String path = text.substring(slash);
      if (path.endsWith("/*")) {
        path = path.substring(0, path.length() - 2);
      } else if (path.endsWith("*")) {
        throw new IllegalArgumentException("a path prefix ends with /* (example.com/api/*)");
      }
      while (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      if (path.contains("*") || path.contains("?") || path.contains("#")) {
        throw new IllegalArgumentException("a path prefix may not contain *, ? or #");
      }
      prefix = path;
    }
    hostPart = hostPart.toLowerCase(Locale.ROOT);
    boolean wildcard = hostPart.startsWith("*.");
    String host = wildcard ? hostPart.substring(2) : hostPart;
    if (host.isEmpty() || host.length() > 253) {
      throw new IllegalArgumentException("a route needs a host name such as app.example.com");
    }
    for (String label : host.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        throw new IllegalArgumentException(
            "\""
                + label
                + "\" is not a valid host label (letters, digits and '-'; a wildcard only as *.host)");
      }
    }
    return new RoutePattern(host, wildcard, prefix);
  }

  /**
   * Whether a request matches.
   *
   * @param requestHost the Host header value, any case, with or without a port
   * @param path the request path (starting with "/")
   */
  public boolean matches(String requestHost, String path) {
    return matchesHost(normalizeHost(requestHost)) && matchesPath(path);
  }

  /** Host matching for an already normalized host (see {@link #normalizeHost}). */
  public boolean matchesHost(String normalizedHost) {
    if (wildcard) {
      return normalizedHost.length() > host.length() + 1
          && normalizedHost.endsWith(host)
          && normalizedHost.charAt(normalizedHost.length() - host.length() - 1) == '.';
    }
    return normalizedHost.equals(host);
  }

  public boolean matchesPath(String path) {
    if (pathPrefix.isEmpty()) {
      return true;
    }
    return path.startsWith(pathPrefix)
        && (path.length() == pathPrefix.length()
            || path.charAt(pathPrefix.length()) == '/'
            || path.charAt(pathPrefix.length()) == '?');
  }

  /** Lower case, without a port, without a trailing dot; IPv6 literals keep their brackets. */
  public static String normalizeHost(String requestHost) {
    if (requestHost == null) {
      return "";
    }
    String h = requestHost.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end > 0 ? h.substring(0, end + 1) : h;
    }
    int colon = h.indexOf(':');
    if (colon >= 0) {
      h = h.substring(0, colon);
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h;
  }

  @Override
  public String toString() {
    return (wildcard ? "*." : "") + host + (pathPrefix.isEmpty() ? "" : pathPrefix + "/*");
  }
}
