package dev.tako.node.deps;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Deletes the install directories of an app/env that no release directory links to any more (they
 * go with their last release, SPEC §10). A directory used within {@code minAge} stays: a deploy may
 * have just installed it and not yet linked its release. Abandoned temporary installs older than a
 * day go too. Blocking; returns the names deleted.
 */
public final class DependencyPruning {
  private static final Duration ABANDONED = Duration.ofDays(1);

  private DependencyPruning() {}

  public static List<String> prune(Path releasesDir, Path depsRoot, Duration minAge)
      throws IOException {
    if (!Files.isDirectory(depsRoot)) {
      return List.of();
    }
    Set<String> used = new HashSet<>();
    if (Files.isDirectory(releasesDir)) {
      try (DirectoryStream<Path> releases = Files.newDirectoryStream(releasesDir)) {
        for (Path release : releases) {
          Path link = release.resolve("node_modules");
          if (Files.isSymbolicLink(link)) {
            Path target = Files.readSymbolicLink(link);
            if (target.getParent() != null && target.getParent().getFileName() != null) {
              used.add(target.getParent().getFileName().toString());
            }
          }
        }
      }
    }
    long now = System.currentTimeMillis();
    List<String> deleted = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(depsRoot)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        long age = now - Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS).toMillis();
        boolean abandoned = name.startsWith(".tmp-") && age > ABANDONED.toMillis();
        boolean unused = !name.startsWith(".") && !used.contains(name) && age > minAge.toMillis();
        if (abandoned || unused) {
          DependencyInstall.deleteTree(dir);
          deleted.add(name);
        }
      }
    }
    return deleted;
  }
}
