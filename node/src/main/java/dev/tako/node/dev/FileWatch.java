package dev.tako.node.dev;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Notices content changes of a few small files (tako.toml, .tako/secrets.json) by polling: a change
 * counts once the new content was the same on two consecutive polls, so an editor's half-written
 * save is not acted on. Touching a file without changing it is not a change; a file that appears or
 * disappears is. Polling rather than a WatchService: editors that save by renaming a new file over
 * the old one, and file systems without inotify, need no special cases.
 */
final class FileWatch {
  private static final byte[] MISSING = new byte[0];

  private final List<Path> files;
  private final List<byte[]> applied = new ArrayList<>();
  private final List<byte[]> seen = new ArrayList<>();

  FileWatch(List<Path> files) {
    this.files = List.copyOf(files);
    for (Path f : this.files) {
      byte[] now = read(f);
      applied.add(now);
      seen.add(now);
    }
  }

  /** Whether any file's content changed (and held still) since the last true. */
  synchronized boolean changed() {
    boolean changed = false;
    for (int i = 0; i < files.size(); i++) {
      byte[] now = read(files.get(i));
      boolean stable = Arrays.equals(now, seen.get(i));
      seen.set(i, now);
      if (stable && !Arrays.equals(now, applied.get(i))) {
        applied.set(i, now);
        changed = true;
      }
    }
    return changed;
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return MISSING;
    } catch (IOException e) {
      return MISSING;
    }
  }
}
