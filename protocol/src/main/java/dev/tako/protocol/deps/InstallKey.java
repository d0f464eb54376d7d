package dev.tako.protocol.deps;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The name of an install directory on a server: SHA-256 of the lockfile, package.json's dependency
 * fields, the package manager and the runtime's version, so releases that would install the same
 * node_modules share one directory and a new runtime version installs afresh (native modules).
 */
public final class InstallKey {
  private InstallKey() {}

  /**
   * @param lockfile the lockfile's bytes, or null without one
   */
  public static String of(
      byte[] lockfile, String dependencyFields, PackageManager manager, String runtimeVersion) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      // Each part is length-prefixed so no two different inputs hash the same bytes.
      part(sha, lockfile == null ? new byte[0] : lockfile, lockfile != null);
      part(sha, dependencyFields.getBytes(StandardCharsets.UTF_8), true);
      part(sha, manager.command().getBytes(StandardCharsets.UTF_8), true);
      part(sha, runtimeVersion.strip().getBytes(StandardCharsets.UTF_8), true);
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static void part(MessageDigest sha, byte[] bytes, boolean present) {
    sha.update((byte) (present ? 1 : 0));
    sha.update(Long.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
    sha.update((byte) ':');
    sha.update(bytes);
  }
}
