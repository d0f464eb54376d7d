package dev.tako.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Release identity of SPEC §3: {@code r} + the first 10 hex digits of a SHA-256 over the artifact's
 * SHA-256 and the effective configuration (start command, vars, health, routes, and the
 * environment's TLS settings). CLI and node must agree on it byte for byte, so the serialization is
 * fixed here and versioned by a leading tag. It does not fail for any input except null arguments
 * (NullPointerException) other than the nullable TLS ones.
 *
 * <p>TLS settings are appended only when TLS is on, so the ids of the many releases with {@code tls
 * = "off"} stayed what they were before TLS counted; the ACME contact and directory count only with
 * {@code tls = "acme"}, where they take effect.
 */
public final class ReleaseIds {
  // Bump when the serialization changes: every id changes with it, which is the honest outcome.
  private static final String TAG = "tako-release-v1";

  private ReleaseIds() {}

  /** The release id of an environment with {@code tls = "off"}. */
  public static String compute(
      String artifactSha256Hex,
      List<String> start,
      Map<String, String> vars,
      String health,
      List<String> routes) {
    return compute(artifactSha256Hex, start, vars, health, routes, "off", null, null);
  }

  /**
   * Computes the release id; equal inputs give equal ids, vars in any map order.
   *
   * @param tls "off", "self-signed" or "acme"; null is "off"
   * @param acmeEmail the ACME contact with tls = "acme" (else ignored), may be null
   * @param acmeDirectory the ACME directory URL with tls = "acme" (else ignored), may be null
   */
  public static String compute(
      String artifactSha256Hex,
      List<String> start,
      Map<String, String> vars,
      String health,
      List<String> routes,
      String tls,
      String acmeEmail,
      String acmeDirectory) {
    return compute(
        artifactSha256Hex, start, vars, health, routes, tls, acmeEmail, acmeDirectory, null);
  }

  /**
   * As above, with the app's {@code [channels]} (null: none, and the id is the one above, so
   * releases without channels keep their ids).
   */
  public static String compute(
      String artifactSha256Hex,
      List<String> start,
      Map<String, String> vars,
      String health,
      List<String> routes,
      String tls,
      String acmeEmail,
      String acmeDirectory,
      dev.tako.protocol.config.ChannelsConfig channels) {
    StringBuilder canon = new StringBuilder();
    field(canon, TAG);
    field(canon, artifactSha256Hex.toLowerCase(java.util.Locale.ROOT));
    list(canon, start);
    Map<String, String> sorted = new TreeMap<>(vars);
    canon.append(sorted.size()).append('{');
    sorted.forEach(
        (k, v) -> {
          field(canon, k);
          field(canon, v);
        });
    field(canon, health);
    list(canon, routes);
    if (tls != null && !tls.equals("off")) {
      field(canon, "tls");
      field(canon, tls);
      if (tls.equals("acme")) {
        nullable(canon, acmeEmail);
        nullable(canon, acmeDirectory);
      }
    }
    if (channels != null) {
      field(canon, "channels");
      list(canon, channels.publicPatterns());
      nullable(canon, channels.authorize());
      field(canon, channels.retention());
      field(canon, String.valueOf(channels.retentionMessages()));
    }
    byte[] digest = sha256(canon.toString().getBytes(StandardCharsets.UTF_8));
    return "r" + HexFormat.of().formatHex(digest).substring(0, 10);
  }

  // Length-prefixed strings and counted lists: no value can imitate a separator, so
  // (["a b"]) and (["a", "b"]) never serialize alike.
  private static void field(StringBuilder out, String value) {
    out.append(value.length()).append(':').append(value).append(';');
  }

  // "~;" cannot be the start of a length-prefixed field, so null and "" differ.
  private static void nullable(StringBuilder out, String value) {
    if (value == null) {
      out.append("~;");
    } else {
      field(out, value);
    }
  }

  private static void list(StringBuilder out, List<String> values) {
    out.append(values.size()).append('[');
    values.forEach(v -> field(out, v));
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
