package dev.tako.node.status;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The JavaScript runtimes on this server and their versions ({@code {"node": "20.20.2"}}), for the
 * members of {@code tako status} and the deploy's {@code engines} check (SPEC §10). Measured once,
 * when the node starts, on the blocking dispatcher ({@link #measure}); cached for the process's
 * life, so a runtime upgraded on the server shows after the node restarts. One per JVM: the
 * runtimes are the machine's. A runtime that is not on {@code PATH}, fails or takes over {@link
 * #TIMEOUT_S} s is left out; until the measure is done, {@link #current} is null (unknown, not
 * "none").
 */
public final class Runtimes {
  /** The runtimes asked for, each with {@code --version}. */
  static final List<String> PROGRAMS = List.of("node", "bun");

  static final long TIMEOUT_S = 10;

  private static final AtomicReference<Map<String, String>> MEASURED = new AtomicReference<>();

  private Runtimes() {}

  /** Measures the runtimes on {@code blocking} (it runs processes), once per JVM. */
  public static void measure(Executor blocking) {
    if (MEASURED.get() == null) {
      CompletableFuture.runAsync(() -> MEASURED.compareAndSet(null, detect()), blocking);
    }
  }

  /** The runtimes by name, or null while they are not measured yet. */
  public static Map<String, String> current() {
    return MEASURED.get();
  }

  /** Runs each runtime's {@code --version}. Blocking. */
  static Map<String, String> detect() {
    Map<String, String> out = new TreeMap<>();
    for (String program : PROGRAMS) {
      version(program).ifPresent(v -> out.put(program, v));
    }
    return Map.copyOf(out);
  }

  private static Optional<String> version(String program) {
    try {
      Process p =
          new ProcessBuilder(program, "--version")
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.exitValue() == 0 ? parse(text) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty(); // not installed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** {@code v20.20.2\n} → {@code 20.20.2}; the first line, without a leading {@code v}. */
  static Optional<String> parse(String output) {
    String line = output.strip().lines().findFirst().orElse("").strip();
    if (line.startsWith("v")) {
      line = line.substring(1);
    }
    return line.matches("\\d+\\.\\d+\\.\\d+\\S*") ? Optional.of(line) : Optional.empty();
  }
}
