package dev.tako.cli.pack;

import dev.tako.cli.CliException;
import dev.tako.protocol.deps.Corepack;
import dev.tako.protocol.deps.PackageJson;
import dev.tako.protocol.deps.PackageManager;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The local build of a deploy (SPEC §10): {@code [build].run} when tako.toml sets it, else {@code
 * package.json}'s {@code build} script, which runs after installing every dependency (dev ones too)
 * from the lockfile with the package manager the lockfile picks; both in a copy of the project, so
 * the user's tree stays as it is. Returns the directory to pack. A failing install or script is a
 * {@link CliException} (exit 1) with the command and the last lines of its output, before anything
 * is uploaded; its output streams to stderr meanwhile (stdout is for {@code --json}).
 */
public final class LocalBuild {
  /** The output lines a failed step's error repeats. */
  static final int TAIL_LINES = 15;

  private LocalBuild() {}

  /**
   * @param run {@code [build].run}, or null
   * @return the project itself when there is nothing to build, else the build copy
   */
  public static Path prepare(Path project, String run, Path workRoot, Consumer<String> progress)
      throws IOException {
    if (run != null) {
      progress.accept("building: " + run);
      return Packer.buildInCopy(project, run, workRoot);
    }
    Optional<PackageJson> pkg = PackageJson.in(project);
    if (pkg.isEmpty() || pkg.get().buildScript().isEmpty()) {
      return project;
    }
    PackageManager.Choice choice = PackageManager.choose(project);
    // The build installs its own node_modules (npm ci would delete a copied one anyway).
    Path copy = Packer.copyProject(project, workRoot, true);
    if (pkg.get().hasAnyDependencies()) {
      List<String> install = Corepack.wrap(choice.buildInstallCommand());
      progress.accept(
          "building: "
              + String.join(" ", install)
              + (choice.reproducible() ? "" : " (no lockfile: the build is not reproducible)"));
      run(install, copy, "installing the build's dependencies failed");
    }
    List<String> script = Corepack.wrap(choice.runScriptCommand("build"));
    progress.accept(
        "building: " + String.join(" ", script) + " (" + pkg.get().buildScript().get() + ")");
    run(script, copy, "the build script failed");
    return copy;
  }

  /** Runs one step in the build copy, its output to stderr; fails with the output's last lines. */
  static void run(List<String> command, Path dir, String failure) throws IOException {
    String what = String.join(" ", command);
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    // One stream: tools differ in where their errors go (tsc writes them to stdout).
    pb.redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw CliException.failed(
          failure
              + ": "
              + command.get(0)
              + " is not installed here ("
              + e.getMessage()
              + ")\n  install it, or set [build].run in tako.toml; nothing was uploaded");
    }
    Deque<String> tail = new ArrayDeque<>();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        // To stderr: stdout stays reserved for --json.
        System.err.println(line);
        tail.addLast(line);
        if (tail.size() > TAIL_LINES) {
          tail.removeFirst();
        }
      }
    }
    System.err.flush();
    int code;
    try {
      code = p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw CliException.failed("the build was interrupted");
    }
    if (code != 0) {
      StringBuilder msg =
          new StringBuilder(
              failure + " (" + what + ", exit code " + code + "); nothing was uploaded");
      if (!tail.isEmpty()) {
        msg.append("\n  last lines of its output:");
        tail.forEach(l -> msg.append("\n    ").append(l));
      }
      msg.append("\n  fix it and deploy again (the build runs in ")
          .append(dir)
          .append(", a copy of the project)");
      throw CliException.failed(msg.toString());
    }
  }
}
