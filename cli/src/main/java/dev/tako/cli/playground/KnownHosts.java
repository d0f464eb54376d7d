package dev.tako.cli.playground;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Edits {@code $TAKO_HOME/known_hosts} entries of playground endpoints (never ~/.ssh). */
final class KnownHosts {
  private KnownHosts() {}

  /** Replaces the entries for host:port with {@code line} (or just removes them when null). */
  static void replace(Path file, String host, int port, String line) throws IOException {
    String prefix = port == 22 ? host + " " : "[" + host + "]:" + port + " ";
    List<String> lines = new ArrayList<>();
    if (Files.exists(file)) {
      for (String l : Files.readAllLines(file)) {
        if (!l.startsWith(prefix)) {
          lines.add(l);
        }
      }
    }
    if (line != null) {
      lines.add(line);
    }
    Files.createDirectories(file.getParent());
    Files.write(file, lines);
  }
}
