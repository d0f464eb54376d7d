package dev.tako.persistence;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The node's artifacts and releases on disk:
 *
 * <pre>
 * &lt;home&gt;/artifacts/&lt;sha256&gt;.tar.gz
 * &lt;home&gt;/apps/&lt;app&gt;/&lt;env&gt;/releases/&lt;release&gt;/   data/   logs/
 * </pre>
 *
 * It verifies checksums, extracts archives safely (nothing written outside the release directory,
 * size and entry-count limits, a release directory appears whole or not at all) and prunes what is
 * no longer kept. Unusable artifacts fail with an {@link ArtifactException} whose message tells the
 * user what to do; invalid names are bugs and fail with {@link IllegalArgumentException}; disk
 * errors while pruning or creating directories surface as {@link UncheckedIOException}.
 *
 * <p>Every method blocks on I/O: call it off actor threads (a blocking dispatcher). Callers
 * serialize work on one app/env (the NodeAgent's lease does).
 */
public final class ArtifactStore {

  static final long MAX_UNCOMPRESSED_BYTES = 4L * 1024 * 1024 * 1024;
  static final int MAX_ENTRIES = 200_000;

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final String SUFFIX = ".tar.gz";
  private static final Set<PosixFilePermission> EXECUTABLE =
      PosixFilePermissions.fromString("rwxr-xr-x");
  private static final Set<PosixFilePermission> REGULAR =
      PosixFilePermissions.fromString("rw-r--r--");

  private final Path home;
  private final long maxBytes;
  private final int maxEntries;

  public ArtifactStore(Path home) {
    this(home, MAX_UNCOMPRESSED_BYTES, MAX_ENTRIES);
  }

  /** With other extraction limits, for tests. */
  ArtifactStore(Path home, long maxBytes, int maxEntries) {
    this.home = home.toAbsolutePath().normalize();
    this.maxBytes = maxBytes;
    this.maxEntries = maxEntries;
  }

  public Path artifact(String sha) {
    checkSha(sha);
    return home.resolve("artifacts").resolve(sha + SUFFIX);
  }

  public boolean has(String sha) {
    return Files.isRegularFile(artifact(sha));
  }

  /** Hashes the artifact; a corrupt one is deleted so the next deploy uploads it again. */
  public void verify(String sha) throws ArtifactException {
    Path file = artifact(sha);
    String actual;
    try {
      actual = sha256(file);
    } catch (NoSuchFileException e) {
      throw missing(sha);
    } catch (IOException e) {
      throw new ArtifactException(
          "could not read artifact " + sha + " on this server: " + e + "; check the disk", e);
    }
    if (!actual.equals(sha)) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // The message below still tells the user what happened; the next upload replaces it.
      }
      throw new ArtifactException(
          "artifact "
              + sha
              + " on this server is corrupt (its SHA-256 is "
              + actual
              + "); it was deleted; run tako deploy again to upload it anew");
    }
  }

  /**
   * Verifies the artifact and extracts it into {@link #releaseDir}, returning that directory. An
   * existing release directory is returned untouched. Extraction goes to a hidden temporary
   * directory renamed into place at the end, so a crash never leaves half a release.
   */
  public Path extract(String sha, String app, String env, String release) throws ArtifactException {
    Path target = releaseDir(app, env, release);
    if (Files.isDirectory(target)) {
      return target;
    }
    verify(sha);
    Path tmp = null;
    try {
      Files.createDirectories(target.getParent());
      tmp = Files.createTempDirectory(target.getParent(), ".tmp-" + release + "-");
      Files.setPosixFilePermissions(tmp, EXECUTABLE);
      unpack(sha, artifact(sha), tmp);
      if (Files.isDirectory(target)) {
        return target; // another extraction won the race; ours is deleted below
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      tmp = null;
      return target;
    } catch (IOException e) {
      throw new ArtifactException(
          "could not extract artifact "
              + sha
              + " into "
              + target
              + ": "
              + e
              + "; check free disk space and permissions on the server, then run tako deploy"
              + " again",
          e);
    } finally {
      if (tmp != null) {
        deleteQuietly(tmp);
      }
    }
  }

  public Path releaseDir(String app, String env, String release) {
    checkSegment("release", release);
    return releasesDir(app, env).resolve(release);
  }

  /** The app/env's persistent data directory, created on demand. */
  public Path dataDir(String app, String env) {
    return createDirectories(appDir(app, env).resolve("data"));
  }

  /** The app/env's log directory, created on demand. */
  public Path logsDir(String app, String env) {
    return createDirectories(appDir(app, env).resolve("logs"));
  }

  /**
   * Deletes every release directory of the app/env not in {@code keep}. Hidden entries (in-progress
   * extractions) are left alone.
   */
  public void pruneReleases(String app, String env, Set<String> keep) {
    Path dir = releasesDir(app, env);
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (!name.startsWith(".") && !keep.contains(name)) {
          deleteTree(entry);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not prune releases in " + dir, e);
    }
  }

  /**
   * Removes an app/env's files from this server: its releases, logs, dependency installs and
   * whatever else lies under its directory; its data directory ({@code TAKO_DATA_DIR}) only when
   * {@code purgeData}, else that alone stays. Nothing there is an error.
   */
  public void deleteApp(String app, String env, boolean purgeData) throws IOException {
    Path dir = appDir(app, env);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        if (purgeData || !entry.getFileName().toString().equals("data")) {
          deleteTree(entry);
        }
      }
    }
    if (purgeData) {
      Files.deleteIfExists(dir);
      deleteIfEmpty(dir.getParent()); // apps/<app>, when no other environment of it is left
    }
  }

  private static void deleteIfEmpty(Path dir) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      if (entries.iterator().hasNext()) {
        return;
      }
    }
    Files.deleteIfExists(dir);
  }

  /** Deletes the stored artifacts of {@code shas} (the caller checked that nothing uses them). */
  public void deleteArtifacts(Set<String> shas) throws IOException {
    for (String sha : shas) {
      if (SHA256.matcher(sha).matches()) {
        Files.deleteIfExists(artifact(sha));
      }
    }
  }

  /**
   * Deletes every {@code <sha256>.tar.gz} not in {@code keepShas}. Other files (uploads still under
   * a temporary name) are left alone.
   */
  public void pruneArtifacts(Set<String> keepShas) {
    pruneArtifacts(keepShas, java.time.Duration.ZERO);
  }

  /**
   * Like {@link #pruneArtifacts(Set)}, but keeps artifacts younger than {@code minAge}: one just
   * uploaded for a deploy that has not reached this node yet is not in any ledger record.
   */
  public void pruneArtifacts(Set<String> keepShas, java.time.Duration minAge) {
    java.time.Instant cutoff = java.time.Instant.now().minus(minAge);
    Path dir = home.resolve("artifacts");
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        String sha = name.substring(0, name.length() - SUFFIX.length());
        if (SHA256.matcher(sha).matches()
            && !keepShas.contains(sha)
            && Files.getLastModifiedTime(entry).toInstant().isBefore(cutoff)) {
          Files.deleteIfExists(entry);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not prune artifacts in " + dir, e);
    }
  }

  // --- extraction ---

  private record PendingSymlink(String name, Path path, String target) {}

  private void unpack(String sha, Path archive, Path root) throws IOException, ArtifactException {
    List<PendingSymlink> symlinks = new ArrayList<>();
    long total = 0;
    int count = 0;
    try (InputStream raw = Files.newInputStream(archive);
        TarArchiveInputStream tar =
            new TarArchiveInputStream(
                new GzipCompressorInputStream(new BufferedInputStream(raw, 65536)))) {
      TarArchiveEntry entry;
      while ((entry = nextEntry(sha, tar)) != null) {
        if (++count > maxEntries) {
          throw unsafe(sha, "has more than " + maxEntries + " entries");
        }
        String name = entry.getName();
        Path path = inside(sha, root, name);
        if (entry.isDirectory()) {
          Files.createDirectories(path);
        } else if (entry.isSymbolicLink()) {
          checkSymlinkTarget(sha, root, name, path, entry.getLinkName());
          symlinks.add(new PendingSymlink(name, path, entry.getLinkName()));
        } else if (entry.isLink()) {
          Path target = inside(sha, root, entry.getLinkName());
          if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            throw unsafe(
                sha, "has a hard link " + name + " to " + entry.getLinkName() + ", not a file");
          }
          Files.createDirectories(path.getParent());
          Files.deleteIfExists(path);
          Files.createLink(path, target);
        } else if (entry.isFile()) {
          Files.createDirectories(path.getParent());
          total += copy(sha, tar, path, maxBytes - total);
          boolean executable = (entry.getMode() & 0100) != 0;
          Files.setPosixFilePermissions(path, executable ? EXECUTABLE : REGULAR);
        } else {
          throw unsafe(sha, "has an entry " + name + " that is a device or a FIFO");
        }
      }
    }
    // Symlinks last: no file above was written through a link the archive created.
    Path realRoot = root.toRealPath();
    for (PendingSymlink link : symlinks) {
      for (Path p = link.path().getParent(); !p.equals(root); p = p.getParent()) {
        if (Files.isSymbolicLink(p)) {
          throw unsafe(sha, "has an entry " + link.name() + " below a symbolic link");
        }
      }
      if (Files.exists(link.path(), LinkOption.NOFOLLOW_LINKS)) {
        throw unsafe(sha, "has a symbolic link " + link.name() + " where another entry is");
      }
      Files.createDirectories(link.path().getParent());
      Files.createSymbolicLink(link.path(), link.path().getFileSystem().getPath(link.target()));
    }
    for (PendingSymlink link : symlinks) {
      if (!resolvesInside(realRoot, link.path().getParent().resolve(link.target()))) {
        throw unsafe(
            sha,
            "has a symbolic link "
                + link.name()
                + " -> "
                + link.target()
                + " that leads outside the release directory");
      }
    }
  }

  private static TarArchiveEntry nextEntry(String sha, TarArchiveInputStream tar)
      throws ArtifactException {
    try {
      return tar.getNextEntry();
    } catch (IOException e) {
      throw new ArtifactException(
          "artifact "
              + sha
              + " is not a valid .tar.gz ("
              + e.getMessage()
              + "); check the build output, then run tako deploy again",
          e);
    }
  }

  /** The entry's path, refused when absolute or when it escapes {@code root}. */
  private static Path inside(String sha, Path root, String name) throws ArtifactException {
    if (name.startsWith("/")) {
      throw unsafe(sha, "has an entry with an absolute path: " + name);
    }
    Path path;
    try {
      path = root.resolve(name).normalize();
    } catch (InvalidPathException e) {
      throw unsafe(sha, "has an entry with an invalid name: " + name);
    }
    if (!path.startsWith(root)) {
      throw unsafe(sha, "has an entry that escapes the release directory: " + name);
    }
    return path;
  }

  private static void checkSymlinkTarget(
      String sha, Path root, String name, Path path, String target) throws ArtifactException {
    boolean inside;
    try {
      inside =
          !target.isEmpty()
              && !target.startsWith("/")
              && path.getParent().resolve(target).normalize().startsWith(root);
    } catch (InvalidPathException e) {
      inside = false;
    }
    if (!inside || path.equals(root)) {
      throw unsafe(
          sha,
          "has a symbolic link "
              + name
              + " -> "
              + target
              + " that points outside the release directory");
    }
  }

  /**
   * Whether {@code target} (absolute, unnormalized) resolves inside {@code realRoot} on disk: the
   * longest existing prefix is resolved by the file system (following links), the rest lexically.
   */
  private static boolean resolvesInside(Path realRoot, Path target) throws IOException {
    Path fsRoot = target.getRoot();
    int n = target.getNameCount();
    for (int i = n; i >= 0; i--) {
      Path prefix = i == 0 ? fsRoot : fsRoot.resolve(target.subpath(0, i));
      if (Files.exists(prefix)) {
        Path resolved = prefix.toRealPath();
        if (i < n) {
          resolved = resolved.resolve(target.subpath(i, n)).normalize();
        }
        return resolved.startsWith(realRoot);
      }
    }
    return false;
  }

  private long copy(String sha, InputStream in, Path path, long remaining)
      throws IOException, ArtifactException {
    long written = 0;
    byte[] buffer = new byte[65536];
    Files.deleteIfExists(path);
    try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW)) {
      int read;
      while ((read = in.read(buffer)) != -1) {
        written += read;
        if (written > remaining) {
          throw unsafe(sha, "unpacks to more than " + maxBytes + " bytes");
        }
        out.write(buffer, 0, read);
      }
    }
    return written;
  }

  // --- helpers ---

  private static ArtifactException missing(String sha) {
    return new ArtifactException(
        "artifact " + sha + " was not uploaded to this server; run tako deploy again");
  }

  private static ArtifactException unsafe(String sha, String what) {
    return new ArtifactException(
        "artifact "
            + sha
            + " "
            + what
            + "; nothing was extracted. Fix the build so the archive holds only files inside the"
            + " release, then run tako deploy again");
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    byte[] buffer = new byte[65536];
    try (InputStream in = Files.newInputStream(file)) {
      int read;
      while ((read = in.read(buffer)) != -1) {
        digest.update(buffer, 0, read);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private Path appDir(String app, String env) {
    checkSegment("app", app);
    checkSegment("env", env);
    return home.resolve("apps").resolve(app).resolve(env);
  }

  private Path releasesDir(String app, String env) {
    return appDir(app, env).resolve("releases");
  }

  private static Path createDirectories(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("could not create " + dir, e);
    }
  }

  private static void checkSha(String sha) {
    if (sha == null || !SHA256.matcher(sha).matches()) {
      throw new IllegalArgumentException("not a lowercase hex SHA-256: " + sha);
    }
  }

  private static void checkSegment(String what, String value) {
    if (value == null || !SEGMENT.matcher(value).matches()) {
      throw new IllegalArgumentException("not a valid " + what + " name: " + value);
    }
  }

  /** Deletes a tree without following symbolic links. */
  private static void deleteTree(Path dir) throws IOException {
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private static void deleteQuietly(Path dir) {
    try {
      deleteTree(dir);
    } catch (IOException e) {
      // A leftover hidden temporary directory is harmless; pruneReleases skips it.
    }
  }
}
