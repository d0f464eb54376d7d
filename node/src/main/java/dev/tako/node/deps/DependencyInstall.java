package dev.tako.node.deps;

import dev.tako.persistence.ArtifactStore;
import dev.tako.protocol.deps.Corepack;
import dev.tako.protocol.deps.InstallKey;
import dev.tako.protocol.deps.PackageJson;
import dev.tako.protocol.deps.PackageManager;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Installs a release's production dependencies on this server (SPEC §10) into {@code
 * <deps>/<key>/node_modules}, the key from {@link InstallKey}, and links the release's {@code
 * node_modules} to it. A key already installed installs nothing ("dependencies unchanged"). An
 * install runs in a temporary directory renamed into place when it succeeded, so a directory under
 * its key is always complete; one lock per key keeps two deploys from installing it at once. The
 * package manager's output goes to the app's logs ({@link InstallLog}). Every failure (no runtime,
 * a package manager that fails or outlives the timeout) is an {@link InstallFailed} and leaves no
 * install directory behind. Blocking: call it on the blocking dispatcher.
 */
public final class DependencyInstall {
  /** Files beside package.json that configure the package manager; copied into the install. */
  private static final List<String> CONFIG_FILES =
      List.of(".npmrc", ".yarnrc", ".yarnrc.yml", ".pnpmfile.cjs", "bunfig.toml");

  private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  private DependencyInstall() {}

  /** The app/env's install directories: {@code <home>/apps/<app>/<env>/deps}, beside releases. */
  public static Path root(ArtifactStore store, String app, String env) {
    return store.releaseDir(app, env, "x").getParent().resolveSibling("deps");
  }

  /**
   * @param depsRoot the app/env's install directories
   * @return the progress line for the user, or empty when the release has nothing to install
   */
  public static Optional<String> install(
      Path releaseDir, Path depsRoot, Path logsDir, String app, Duration timeout)
      throws InstallFailed {
    PackageJson pkg;
    try {
      Optional<PackageJson> found = PackageJson.in(releaseDir);
      if (found.isEmpty() || !found.get().hasDependencies()) {
        return Optional.empty();
      }
      pkg = found.get();
    } catch (IOException e) {
      throw new InstallFailed("cannot install dependencies: " + e.getMessage(), List.of());
    }
    PackageManager.Choice choice = PackageManager.choose(releaseDir);
    String runtime = runtimeVersion(choice);
    String key;
    try {
      byte[] lockfile =
          choice.lockfile() == null
              ? null
              : Files.readAllBytes(releaseDir.resolve(choice.lockfile()));
      key = InstallKey.of(lockfile, pkg.dependencyFields(), choice.manager(), runtime);
      Files.createDirectories(depsRoot);
    } catch (IOException e) {
      throw new InstallFailed("cannot install dependencies: " + e.getMessage(), List.of());
    }
    Path dir = depsRoot.resolve(key);
    ReentrantLock lock = LOCKS.computeIfAbsent(dir, d -> new ReentrantLock());
    lock.lock();
    try {
      String line;
      if (Files.isDirectory(dir.resolve("node_modules"), LinkOption.NOFOLLOW_LINKS)) {
        line = "dependencies unchanged";
      } else {
        long t0 = System.nanoTime();
        installInto(dir, releaseDir, choice, logsDir, app, timeout);
        line =
            String.format(
                    java.util.Locale.ROOT,
                    "dependencies installed in %.1f s",
                    (System.nanoTime() - t0) / 1e9)
                + (choice.reproducible()
                    ? ""
                    : " (no lockfile: installs are not reproducible; commit package-lock.json)");
      }
      link(releaseDir, dir);
      return Optional.of(line);
    } catch (IOException e) {
      throw new InstallFailed("cannot install dependencies: " + e.getMessage(), List.of());
    } finally {
      lock.unlock();
    }
  }

  private static void installInto(
      Path dir,
      Path releaseDir,
      PackageManager.Choice choice,
      Path logsDir,
      String app,
      Duration timeout)
      throws IOException, InstallFailed {
    Path tmp = dir.resolveSibling(".tmp-" + dir.getFileName() + "-" + System.nanoTime());
    Files.createDirectories(tmp);
    boolean done = false;
    try {
      copy(releaseDir, tmp, "package.json");
      if (choice.lockfile() != null) {
        copy(releaseDir, tmp, choice.lockfile());
      } else {
        InstallLog.note(
            logsDir, app, "warning: no lockfile; installs are not reproducible (commit one)");
      }
      for (String f : CONFIG_FILES) {
        if (Files.isRegularFile(releaseDir.resolve(f))) {
          copy(releaseDir, tmp, f);
        }
      }
      List<String> command = withCorepack(choice.installCommand());
      InstallLog.note(logsDir, app, "$ " + String.join(" ", command));
      run(command, tmp, logsDir, app, timeout);
      // A tree without packages still gets its node_modules, so the key reads as installed.
      Files.createDirectories(tmp.resolve("node_modules"));
      deleteTree(dir); // a leftover without node_modules (never a complete install)
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      done = true;
    } finally {
      if (!done) {
        deleteTree(tmp);
      }
    }
  }

  private static void run(
      List<String> command, Path workDir, Path logsDir, String app, Duration timeout)
      throws IOException, InstallFailed {
    String what = String.join(" ", command);
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new InstallFailed(
          "cannot install dependencies: " + command.get(0) + " is not installed on this server",
          List.of());
    }
    InstallLog out = new InstallLog(p.getInputStream(), logsDir, app, "out");
    InstallLog err = new InstallLog(p.getErrorStream(), logsDir, app, "err");
    Thread outThread = InstallLog.start(out);
    Thread errThread = InstallLog.start(err);
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new InstallFailed(
            "installing dependencies did not finish within "
                + timeout.toSeconds()
                + " s (tako.deploy.install-timeout): "
                + what,
            tail(out, err));
      }
      outThread.join(5_000);
      errThread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new InstallFailed("installing dependencies was interrupted: " + what, List.of());
    }
    if (p.exitValue() != 0) {
      throw new InstallFailed(
          "installing dependencies failed (" + what + ", exit code " + p.exitValue() + ")",
          tail(out, err));
    }
  }

  /** The package manager's last stderr lines; its last stdout lines when stderr is empty. */
  private static List<String> tail(InstallLog out, InstallLog err) {
    List<String> lines = err.tail();
    return lines.isEmpty() ? out.tail() : lines;
  }

  /** `node --version` (or bun's): part of the key, so a new runtime installs afresh. */
  private static String runtimeVersion(PackageManager.Choice choice) throws InstallFailed {
    List<String> command = choice.runtimeVersionCommand();
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 && !text.isEmpty()) {
        return text;
      }
      throw new InstallFailed(
          "cannot install dependencies: " + String.join(" ", command) + " failed: " + text,
          List.of());
    } catch (IOException e) {
      throw new InstallFailed(
          "cannot install dependencies: " + command.get(0) + " is not installed on this server",
          List.of());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InstallFailed("cannot install dependencies: interrupted", List.of());
    }
  }

  /** pnpm and yarn through corepack when they are not installed themselves (SPEC §10). */
  static List<String> withCorepack(List<String> command) {
    return Corepack.wrap(command);
  }

  /** The release's node_modules becomes a link to the install; touching it marks it in use. */
  private static void link(Path releaseDir, Path dir) throws IOException {
    Path link = releaseDir.resolve("node_modules");
    if (Files.isSymbolicLink(link)) {
      Files.delete(link);
    } else if (Files.exists(link)) {
      deleteTree(link);
    }
    Files.createSymbolicLink(link, dir.resolve("node_modules").toAbsolutePath());
    Files.setLastModifiedTime(dir, FileTime.fromMillis(System.currentTimeMillis()));
  }

  private static void copy(Path from, Path to, String name) throws IOException {
    Files.copy(from.resolve(name), to.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var paths = Files.walk(dir)) { // walk does not follow links: .bin's stay links
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
