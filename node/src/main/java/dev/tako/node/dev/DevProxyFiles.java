package dev.tako.node.dev;

import dev.tako.protocol.Json;
import dev.tako.protocol.tls.PemFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The files of the dev proxy serving HTTPS port {@code port}, in {@code $TAKO_HOME/dev/}: {@code
 * proxy-<port>.json} (0600: its pid, ports and the registration token; present exactly while it
 * accepts registrations), {@code proxy-<port>.lock} (taken by whoever starts or ends a proxy, so
 * two {@code tako dev} never start two, and a proxy never exits while one registers) and {@code
 * proxy-<port>.log} (its output, for when it fails to start).
 */
public record DevProxyFiles(Path dir, int port) {

  /**
   * What a running dev proxy tells its clients.
   *
   * @param pid the proxy's JVM
   * @param httpsPort HTTPS, the port of the URLs
   * @param httpPort plain HTTP, redirecting to HTTPS
   * @param registerPort loopback port where {@code tako dev} registers its app
   * @param token proves a client can read this file (registrations without it are refused)
   */
  public record Info(long pid, int httpsPort, int httpPort, int registerPort, String token) {}

  public Path info() {
    return dir.resolve("proxy-" + port + ".json");
  }

  public Path lockFile() {
    return dir.resolve("proxy-" + port + ".lock");
  }

  public Path log() {
    return dir.resolve("proxy-" + port + ".log");
  }

  /** The running proxy's info, or null when there is no (readable) file. */
  public Info readInfo() {
    try {
      return Json.lenient().readValue(Files.readString(info()), Info.class);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Writes the info file, 0600, atomically. */
  public void writeInfo(Info info) throws IOException {
    Files.createDirectories(dir);
    PemFiles.writeSecret(info(), Json.write(info).getBytes(StandardCharsets.UTF_8));
  }

  /** Removes the info file if it is {@code pid}'s (a newer proxy's file stays). */
  public void deleteInfoOf(long pid) {
    Info now = readInfo();
    if (now != null && now.pid() == pid) {
      try {
        Files.deleteIfExists(info());
      } catch (IOException e) {
        // a stale file is detected by the next client (connection refused)
      }
    }
  }

  /** Runs {@code action} holding the lock file (between processes; blocks until it is free). */
  public <T> T locked(IoAction<T> action) throws IOException {
    Files.createDirectories(dir);
    try (FileChannel channel =
            FileChannel.open(lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.lock()) {
      return action.run();
    }
  }

  /** An action run under the lock. */
  @FunctionalInterface
  public interface IoAction<T> {
    T run() throws IOException;
  }
}
