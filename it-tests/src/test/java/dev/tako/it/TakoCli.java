package dev.tako.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tako.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged {@code bin/tako} as a user would: a separate process with its own TAKO_HOME and
 * working directory. The distribution comes from the build ({@code tako.dist} system property).
 */
final class TakoCli {
  final Path home;
  final Map<String, String> env;

  TakoCli(Path home, Map<String, String> env) {
    this.home = home;
    this.env = Map.copyOf(env);
  }

  static Path dist() {
    String d = System.getProperty("tako.dist");
    if (d == null) {
      throw new IllegalStateException("tako.dist is not set (run through Maven's failsafe)");
    }
    return Path.of(d);
  }

  /** The outcome of one command. */
  record Result(int exit, String out, String err) {
    JsonNode json() {
      try {
        return Json.lenient().readTree(out);
      } catch (IOException e) {
        throw new AssertionError("stdout is not one JSON object: " + out + "\nstderr: " + err, e);
      }
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  Result run(Path cwd, Duration timeout, String... args) throws IOException, InterruptedException {
    return run(cwd, timeout, null, args);
  }

  /** As {@link #run(Path, String...)}, with {@code stdin} as the command's standard input. */
  Result runWithStdin(Path cwd, String stdin, String... args)
      throws IOException, InterruptedException {
    return run(cwd, Duration.ofMinutes(5), stdin, args);
  }

  private Result run(Path cwd, Duration timeout, String stdin, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(dist().resolve("bin/tako").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
    pb.environment().put("TAKO_HOME", home.toString());
    pb.environment().put("NO_COLOR", "1");
    pb.environment().putAll(env);
    Path out = Files.createTempFile("tako-out", ".txt");
    Path err = Files.createTempFile("tako-err", ".txt");
    pb.redirectOutput(out.toFile());
    pb.redirectError(err.toFile());
    Path in = null;
    if (stdin == null) {
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    } else {
      in = Files.writeString(Files.createTempFile("tako-in", ".txt"), stdin);
      pb.redirectInput(in.toFile());
    }
    Process p = pb.start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      p.waitFor();
      throw new AssertionError(
          "tako "
              + String.join(" ", args)
              + " did not finish within "
              + timeout
              + "\nstderr: "
              + Files.readString(err));
    }
    Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    Files.delete(out);
    Files.delete(err);
    if (in != null) {
      Files.delete(in);
    }
    return r;
  }

  Result run(Path cwd, String... args) throws IOException, InterruptedException {
    return run(cwd, Duration.ofMinutes(5), args);
  }
}
