package dev.tako.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * A small secret file in the node home (the API token, the node key): created once with 32 random
 * bytes (hex) and mode 0600, atomically; refused when it is readable by others or empty, with the
 * command that fixes it.
 */
public final class OwnerOnlyFile {
  private OwnerOnlyFile() {}

  public static String readOrCreate(Path file) throws IOException {
    if (!Files.exists(file)) {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(ownerOnly()));
      Files.writeString(tmp, HexFormat.of().formatHex(random), StandardOpenOption.WRITE);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
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
    String value = Files.readString(file).trim();
    if (value.isEmpty()) {
      throw new IOException(file + " is empty; delete it and start the node again to create one");
    }
    return value;
  }

  private static Set<PosixFilePermission> ownerOnly() {
    return PosixFilePermissions.fromString("rw-------");
  }
}
