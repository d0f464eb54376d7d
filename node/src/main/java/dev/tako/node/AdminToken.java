package dev.tako.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

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
    Path file = home.resolve("admin.token");
    if (!Files.exists(file)) {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      Path tmp = home.resolve("admin.token.tmp");
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(ownerOnly()));
      Files.writeString(tmp, HexFormat.of().formatHex(random), StandardOpenOption.WRITE);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    if (!ownerOnly().containsAll(perms)) {
      throw new IOException(
          file
              + " is readable by others ("
              + PosixFilePermissions.toString(perms)
              + "); run: chmod 600 "
              + file);
    }
    String token = Files.readString(file).trim();
    if (token.isEmpty()) {
      // An empty token would accept "Bearer " from anyone on this host.
      throw new IOException(file + " is empty; delete it and start the node again to create one");
    }
    return new AdminToken(token);
  }

  private static Set<PosixFilePermission> ownerOnly() {
    return PosixFilePermissions.fromString("rw-------");
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
