package dev.tako.node.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The short-lived script that gives a {@code tako run} command its environment: written under
 * {@code <home>/one-off/} (a 0700 directory) as a 0600 file with a random name, it deletes itself
 * when sourced, exports every variable and changes into the release directory. The CLI's SSH
 * session sources it right before {@code exec}ing the user's command.
 *
 * <p>Why a file and not the environment on the SSH channel: secrets on a command line are readable
 * by every local user ({@code /proc/PID/cmdline}, {@code ps}); sshd accepts channel {@code env}
 * requests only for names in its AcceptEnv; and the channel's stdin belongs to the command (a REPL
 * reads it through a PTY, which would echo and line-edit any preamble). A file only the node's user
 * can read, consumed at once and swept after {@link #TTL} when never used, keeps the secrets on the
 * server and the channel free. Names that are not shell identifiers cannot be exported by a POSIX
 * shell and are left out. Blocking: call on the blocking dispatcher.
 */
public final class RunEnvFile {

  /** A script that was not sourced within this time is deleted by the next write or sweep. */
  public static final Duration TTL = Duration.ofSeconds(60);

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final SecureRandom RANDOM = new SecureRandom();

  private RunEnvFile() {}

  /** The directory of the scripts under the node's home. */
  public static Path dir(Path home) {
    return home.resolve("one-off");
  }

  /** Writes the script for {@code run}, after sweeping expired ones; returns its path. */
  public static Path write(Path home, RunEnvironment run) throws IOException {
    Path dir = dir(home);
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    // an existing directory keeps whatever mode it had: make sure it is private
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    sweep(home, Instant.now());
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    Path file = dir.resolve("run-" + HexFormat.of().formatHex(id) + ".sh");
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        file, script(file, run.dir(), run.env()), StandardCharsets.UTF_8, StandardOpenOption.WRITE);
    return file;
  }

  /** Deletes the scripts older than {@link #TTL} at {@code now}; a vanished file is fine. */
  public static void sweep(Path home, Instant now) throws IOException {
    Path dir = dir(home);
    if (!Files.isDirectory(dir)) {
      return;
    }
    FileTime oldest = FileTime.from(now.minus(TTL));
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "run-*.sh")) {
      for (Path f : files) {
        try {
          if (Files.getLastModifiedTime(f).compareTo(oldest) < 0) {
            Files.deleteIfExists(f);
          }
        } catch (java.nio.file.NoSuchFileException e) {
          // sourced (and so deleted) meanwhile
        }
      }
    }
  }

  /** The script's text: delete itself, export each variable, cd into the release directory. */
  static String script(Path self, Path releaseDir, Map<String, String> env) {
    StringBuilder s = new StringBuilder();
    s.append("rm -f -- ").append(quote(self.toString())).append('\n');
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (exportable(e.getKey())) {
        s.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append('\n');
      }
    }
    s.append("cd -- ").append(quote(releaseDir.toString())).append(" || exit 126\n");
    return s.toString();
  }

  /** Whether a POSIX shell can export this name. */
  public static boolean exportable(String name) {
    return NAME.matcher(name).matches();
  }

  /** Single-quoted for a POSIX shell: nothing inside is expanded; a quote is closed and escaped. */
  public static String quote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }
}
