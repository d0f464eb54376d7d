package dev.tako.cli.pack;

import dev.tako.cli.CliException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Packs a release: the files of a directory selected by include/exclude globs into a deterministic
 * tar.gz (sorted entries, fixed times and owners), so the same sources give the same SHA-256 and so
 * the same release id. {@code .git}, {@code .tako}, {@code node_modules} and {@code .env*} are
 * never packed.
 */
public final class Packer {
  private static final Date FIXED_TIME = new Date(946684800000L); // 2000-01-01, for reproducibility

  /** A packed release. */
  public record Artifact(Path file, String sha256, long size, int files) {}

  private Packer() {}

  /** The relative paths (with '/') that a pack of {@code dir} contains, sorted. */
  public static List<String> select(Path dir, List<String> include, List<String> exclude)
      throws IOException {
    List<PathMatcher> inc = matchers(include);
    List<PathMatcher> exc = matchers(exclude);
    List<String> out = new ArrayList<>();
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
            String name = d.getFileName() == null ? "" : d.getFileName().toString();
            if (!d.equals(dir)
                && (name.equals(".git") || name.equals(".tako") || name.equals("node_modules"))) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
            if (!attrs.isRegularFile() || f.getFileName().toString().startsWith(".env")) {
              return FileVisitResult.CONTINUE;
            }
            Path rel = dir.relativize(f);
            if ((inc.isEmpty() || matchesAny(inc, rel)) && !matchesAny(exc, rel)) {
              out.add(rel.toString().replace('\\', '/'));
            }
            return FileVisitResult.CONTINUE;
          }
        });
    out.sort(String::compareTo);
    return out;
  }

  private static List<PathMatcher> matchers(List<String> globs) {
    List<PathMatcher> out = new ArrayList<>();
    for (String g : globs) {
      out.add(FileSystems.getDefault().getPathMatcher("glob:" + g));
      // "**/*.map" should also match "x.map" at the top, as users expect.
      if (g.startsWith("**/")) {
        out.add(FileSystems.getDefault().getPathMatcher("glob:" + g.substring(3)));
      }
    }
    return out;
  }

  private static boolean matchesAny(List<PathMatcher> ms, Path rel) {
    for (PathMatcher m : ms) {
      if (m.matches(rel)) {
        return true;
      }
    }
    return false;
  }

  /** Packs the selected files of {@code dir} into {@code outDir/<sha256>.tar.gz}. */
  public static Artifact pack(Path dir, List<String> include, List<String> exclude, Path outDir)
      throws IOException {
    List<String> files = select(dir, include, exclude);
    if (files.isEmpty()) {
      throw CliException.usage(
          "nothing to pack in " + dir + ": check [build].include and [build].exclude in tako.toml");
    }
    Files.createDirectories(outDir);
    Path tmp = Files.createTempFile(outDir, "pack-", ".tar.gz.tmp");
    MessageDigest sha = sha256();
    try {
      writeTar(dir, files, tmp, sha);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    String hex = HexFormat.of().formatHex(sha.digest());
    Path target = outDir.resolve(hex + ".tar.gz");
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return new Artifact(target, hex, Files.size(target), files.size());
  }

  private static void writeTar(Path dir, List<String> files, Path tmp, MessageDigest sha)
      throws IOException {
    try (OutputStream fileOut = Files.newOutputStream(tmp);
        DigestOutputStream digestOut = new DigestOutputStream(fileOut, sha);
        GZIPOutputStream gz = new GZIPOutputStream(digestOut, 64 * 1024);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (String rel : files) {
        Path f = dir.resolve(rel);
        TarArchiveEntry e = new TarArchiveEntry(rel);
        e.setSize(Files.size(f));
        e.setMode(Files.isExecutable(f) ? 0100755 : 0100644);
        e.setModTime(FIXED_TIME);
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("");
        e.setGroupName("");
        tar.putArchiveEntry(e);
        try (InputStream in = Files.newInputStream(f)) {
          in.transferTo(tar);
        }
        tar.closeArchiveEntry();
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs {@code [build].run} in a copy of the project (so the build never dirties the user's tree)
   * and returns the copy; the build's output goes to stderr.
   */
  public static Path buildInCopy(Path project, String run, Path workRoot) throws IOException {
    Path copy = copyProject(project, workRoot, false);
    // Both build streams are copied to our stderr: stdout is reserved for the result (--json).
    // Redirect.to("/dev/stderr") would reopen fd 2 with O_TRUNC and clobber a `2> file` log.
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", run).directory(copy.toFile());
    pb.redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    try {
      Process p = pb.start();
      try (InputStream in = p.getInputStream()) {
        in.transferTo(System.err);
      }
      System.err.flush();
      int code = p.waitFor();
      if (code != 0) {
        throw CliException.failed(
            "the build failed (exit code "
                + code
                + "): "
                + run
                + "\n  fix the build, or [build].run in tako.toml, then deploy again");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failed("the build was interrupted");
    }
    return copy;
  }

  /**
   * A fresh copy of the project in {@code workRoot/build}, without {@code .git} and {@code .tako},
   * and without {@code node_modules} when {@code skipNodeModules} (a build that installs its own).
   */
  static Path copyProject(Path project, Path workRoot, boolean skipNodeModules) throws IOException {
    Path copy = workRoot.resolve("build");
    deleteTree(copy);
    Files.createDirectories(copy);
    Files.walkFileTree(
        project,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs)
              throws IOException {
            String name = d.getFileName() == null ? "" : d.getFileName().toString();
            if (!d.equals(project)
                && (name.equals(".git")
                    || name.equals(".tako")
                    || (skipNodeModules && name.equals("node_modules")))) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            Files.createDirectories(copy.resolve(project.relativize(d).toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
            if (attrs.isRegularFile()) {
              Files.copy(
                  f,
                  copy.resolve(project.relativize(f).toString()),
                  StandardCopyOption.COPY_ATTRIBUTES);
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return copy;
  }

  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
