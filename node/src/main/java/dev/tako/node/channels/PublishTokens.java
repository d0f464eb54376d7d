package dev.tako.node.channels;

import dev.tako.node.OwnerOnlyFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What an app gets to publish on its node: {@code TAKO_CHANNELS_URL} (this node's loopback publish
 * endpoint for the app/env) and {@code TAKO_CHANNELS_TOKEN} (an HMAC of the app/env under a secret
 * of this node, {@code <home>/channels/publish.secret}, so a token is good for one app/env on one
 * node and needs no storage). The endpoint's port is kept in {@code <home>/channels/publish-port}
 * so instances that outlive a node restart keep a working URL.
 */
public final class PublishTokens {
  private static final Map<Path, PublishTokens> BY_HOME = new ConcurrentHashMap<>();

  private final int port;
  private final byte[] secret;

  private PublishTokens(int port, byte[] secret) {
    this.port = port;
    this.secret = secret;
  }

  static Path dir(Path home) {
    return home.resolve("channels");
  }

  /** Reads or creates the secret of the node at {@code home} for an endpoint on {@code port}. */
  static PublishTokens start(Path home, int port) throws IOException {
    Files.createDirectories(dir(home));
    Files.writeString(dir(home).resolve("publish-port"), Integer.toString(port));
    String secret = OwnerOnlyFile.readOrCreate(dir(home).resolve("publish.secret"));
    PublishTokens tokens = new PublishTokens(port, secret.getBytes(StandardCharsets.UTF_8));
    BY_HOME.put(home.toAbsolutePath(), tokens);
    return tokens;
  }

  /** The port remembered from an earlier start, or 0. */
  static int rememberedPort(Path home) {
    try {
      return Integer.parseInt(Files.readString(dir(home).resolve("publish-port")).trim());
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  public int port() {
    return port;
  }

  /** The base URL of an app/env: {@code POST <url>/NAME} publishes to channel NAME. */
  public String url(String app, String env) {
    return "http://127.0.0.1:" + port + "/channels/" + app + "/" + env;
  }

  public String token(String app, String env) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return HexFormat.of()
          .formatHex(
              mac.doFinal(("tako-channels\n" + app + "/" + env).getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code token} is the app/env's (in constant time). */
  public boolean valid(String app, String env, String token) {
    return token != null
        && MessageDigest.isEqual(
            token(app, env).getBytes(StandardCharsets.UTF_8),
            token.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The variables an instance of the app/env gets on the node at {@code home}; none when the node's
   * channels did not start.
   */
  public static Map<String, String> variables(Path home, String app, String env) {
    PublishTokens tokens = BY_HOME.get(home.toAbsolutePath());
    if (tokens == null) {
      return Map.of();
    }
    return Map.of(
        "TAKO_CHANNELS_URL", tokens.url(app, env), "TAKO_CHANNELS_TOKEN", tokens.token(app, env));
  }
}
