package dev.tako.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * The management API's bearer token, kept in {@code <home>/admin.token} (0600) and read by the CLI
 * over SFTP. Created at first start; a node refuses to start when the file is readable by others.
 */
public final class AdminToken {
  private final byte[] token;

  private AdminToken(String token) {
    this.token = token.getBytes(StandardCharsets.UTF_8);
  }

  public static AdminToken loadOrCreate(Path home) throws IOException {
    // An empty token would accept "Bearer " from anyone on this host: OwnerOnlyFile refuses it.
    return new AdminToken(OwnerOnlyFile.readOrCreate(home.resolve("admin.token")));
  }

  /** Constant-time check of an {@code Authorization} header value. */
  public boolean accepts(String authorizationHeader) {
    if (authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) {
      return false;
    }
    byte[] given =
        authorizationHeader.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(given, token);
  }
}
