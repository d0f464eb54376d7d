package dev.tako.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code tako} command running in the background (its own process, as {@link TakoCli} runs them),
 * whose stderr can be read while it runs, e.g. to see a deploy's progress.
 */
final class BackgroundTako implements AutoCloseable {
  private final Process process;
  private final Path out;
  private final Path err;
  private final String command;
  final long startedNanos = System.nanoTime();
  private volatile long endedNanos;
  private final java.util.concurrent.CompletableFuture<Void> exited;

  private BackgroundTako(Process process, Path out, Path err, String command) {
    this.process = process;
    this.out = out;
    this.err = err;
    this.command = command;
    this.exited = process.onExit().thenRun(() -> endedNanos = System.nanoTime());
  }

  static BackgroundTako start(TakoCli cli, Path cwd, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(TakoCli.dist().resolve("bin/tako").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
    pb.environment().put("TAKO_HOME", cli.home.toString());
    pb.environment().put("NO_COLOR", "1");
    pb.environment().putAll(cli.env);
    Path out = Files.createTempFile("tako-bg-out", ".txt");
    Path err = Files.createTempFile("tako-bg-err", ".txt");
    pb.redirectOutput(out.toFile());
    pb.redirectError(err.toFile());
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return new BackgroundTako(pb.start(), out, err, "tako " + String.join(" ", args));
  }

  boolean alive() {
    return process.isAlive();
  }

  /** The {@code tako} JVM's pid (bin/tako execs java). */
  long pid() {
    return process.pid();
  }

  /** Sends SIGTERM, as {@code kill PID} would; {@link #await} then gives the exit code. */
  void terminate() {
    process.destroy();
  }

  /** What it wrote to stdout so far. */
  String stdout() {
    try {
      return Files.readString(out);
    } catch (IOException e) {
      return "";
    }
  }

  /** What it wrote to stderr so far. */
  String stderr() {
    try {
      return Files.readString(err);
    } catch (IOException e) {
      return "";
    }
  }

  /** Waits for it to end; the result as {@link TakoCli#run} gives it. */
  TakoCli.Result await(Duration timeout) throws IOException, InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      close();
      throw new AssertionError(command + " did not finish within " + timeout + "\n" + stderr());
    }
    exited.join();
    TakoCli.Result r =
        new TakoCli.Result(process.exitValue(), Files.readString(out), Files.readString(err));
    Files.deleteIfExists(out);
    Files.deleteIfExists(err);
    return r;
  }

  /** When it ended (System.nanoTime); 0 while it runs. */
  long endedNanos() {
    return endedNanos;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
