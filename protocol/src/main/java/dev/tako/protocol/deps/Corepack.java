package dev.tako.protocol.deps;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * pnpm and yarn through corepack (shipped with node) when they are not installed themselves (SPEC
 * §10): a command line of theirs becomes {@code corepack pnpm …}, which fetches the version the
 * project pins (its {@code packageManager} field) or corepack's default. Corepack's own checks stay
 * as the user has them: tako never switches off its signature check. Looks at {@code PATH} only.
 */
public final class Corepack {
  private Corepack() {}

  /** The command as it can run here: behind corepack when its program is missing. */
  public static List<String> wrap(List<String> command) {
    return wrap(command, System.getenv("PATH"));
  }

  static List<String> wrap(List<String> command, String path) {
    String program = command.get(0);
    if ((program.equals("pnpm") || program.equals("yarn"))
        && onPath(program, path).isEmpty()
        && onPath("corepack", path).isPresent()) {
      List<String> out = new ArrayList<>();
      out.add("corepack");
      out.addAll(command);
      return List.copyOf(out);
    }
    return command;
  }

  /** The executable {@code program} on a {@code PATH}, if any. */
  public static Optional<Path> onPath(String program, String path) {
    if (path == null) {
      return Optional.empty();
    }
    for (String d : path.split(File.pathSeparator)) {
      Path candidate = Path.of(d.isEmpty() ? "." : d).resolve(program);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
