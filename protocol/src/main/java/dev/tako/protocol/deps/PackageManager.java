package dev.tako.protocol.deps;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The package managers tako installs dependencies with, each with its lockfiles and its install of
 * production dependencies from the lockfile (SPEC §10). The lockfile in the app's directory picks
 * one ({@link #choose}); without any, npm installs from {@code package.json} alone.
 */
public enum PackageManager {
  NPM("npm", List.of("package-lock.json")),
  PNPM("pnpm", List.of("pnpm-lock.yaml")),
  YARN("yarn", List.of("yarn.lock")),
  BUN("bun", List.of("bun.lock", "bun.lockb"));

  private final String command;
  private final List<String> lockfiles;

  PackageManager(String command, List<String> lockfiles) {
    this.command = command;
    this.lockfiles = lockfiles;
  }

  /** The program's name, as on {@code PATH}. */
  public String command() {
    return command;
  }

  /**
   * The package manager and lockfile of an app directory.
   *
   * @param lockfile the lockfile's name, or null: no lockfile, installs are not reproducible
   */
  public record Choice(PackageManager manager, String lockfile) {
    public boolean reproducible() {
      return lockfile != null;
    }

    /** The install of production dependencies, run in the directory with package.json. */
    public List<String> installCommand() {
      return switch (manager) {
        case NPM ->
            lockfile != null
                ? List.of("npm", "ci", "--omit=dev")
                : List.of("npm", "install", "--omit=dev");
        case PNPM -> List.of("pnpm", "install", "--prod", "--frozen-lockfile");
        case YARN -> List.of("yarn", "install", "--production", "--frozen-lockfile");
        case BUN -> List.of("bun", "install", "--production", "--frozen-lockfile");
      };
    }

    /**
     * The install of every dependency, dev ones too, for a local build (SPEC §10): from the
     * lockfile, refusing one that does not match package.json.
     */
    public List<String> buildInstallCommand() {
      return switch (manager) {
        case NPM -> lockfile != null ? List.of("npm", "ci") : List.of("npm", "install");
        case PNPM -> List.of("pnpm", "install", "--frozen-lockfile");
        case YARN -> List.of("yarn", "install", "--frozen-lockfile");
        case BUN -> List.of("bun", "install", "--frozen-lockfile");
      };
    }

    /** Runs a {@code package.json} script as the package manager does ({@code npm run build}). */
    public List<String> runScriptCommand(String script) {
      return List.of(manager.command, "run", script);
    }

    /** The runtime whose version keys the install (bun installs for bun, the others for node). */
    public List<String> runtimeVersionCommand() {
      return manager == BUN ? List.of("bun", "--version") : List.of("node", "--version");
    }
  }

  /** The first lockfile found, in the order npm, pnpm, yarn, bun; none: npm without one. */
  public static Choice choose(Path appDir) {
    for (PackageManager pm : values()) {
      for (String lockfile : pm.lockfiles) {
        if (Files.isRegularFile(appDir.resolve(lockfile))) {
          return new Choice(pm, lockfile);
        }
      }
    }
    return new Choice(NPM, null);
  }
}
