package dev.tako.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The installed distribution the CLI runs from ({@code bin/tako}, {@code lib/} with the CLI jars,
 * {@code lib/node/} with the node's, {@code examples/}). Found from the CLI jar's own location, or
 * {@code TAKO_DIST} when run from elsewhere (tests).
 */
public final class Dist {
  private Dist() {}

  /**
   * JVM flags for a node that idles small, shared with the playground's nodes (README "Resource
   * use"): no perf-data file sampled every 50 ms (jcmd still works by pid); after a burst the
   * serial collector gives back heap it no longer needs instead of keeping the burst's peak. The
   * common fork-join pool gets two threads whatever the core count: with fewer than two (a 1- or
   * 2-core server) every {@code CompletableFuture} stage run "async" without an executor, as
   * Scala's and so Pekko's asks run theirs, starts a new thread (over 200 a minute on an idle
   * node). Every minute the JVM gives back to the system the native memory glibc keeps after it was
   * freed (the JIT's arenas, mostly: about 20 MB of an idle node's RSS; a trim costs ~20 ms of
   * CPU); the flag exists from 17.0.9 and 21.0.1 on, older JVMs ignore it.
   */
  public static final String NODE_IDLE_OPTS =
      "-XX:-UsePerfData -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30"
          + " -Djava.util.concurrent.ForkJoinPool.common.parallelism=2"
          + " -XX:+IgnoreUnrecognizedVMOptions -XX:TrimNativeHeapInterval=60000";

  /**
   * glibc's malloc arenas (up to 8 per core, one per busy thread) hold tens of MB the JVM never
   * counts; two are enough for a node's native allocations.
   */
  public static final String NODE_MALLOC_ARENA_MAX = "2";

  public static Path home() {
    String env = System.getenv("TAKO_DIST");
    if (env != null && !env.isBlank()) {
      return Path.of(env).toAbsolutePath();
    }
    String prop = System.getProperty("tako.dist");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop).toAbsolutePath();
    }
    try {
      Path jar = Path.of(Dist.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path lib = jar.getParent();
      if (lib != null && lib.getFileName().toString().equals("lib")) {
        return lib.getParent();
      }
    } catch (URISyntaxException | RuntimeException e) {
      // fall through
    }
    throw CliException.failed(
        "cannot find the tako distribution (lib/node); run tako from its bin/ directory or set TAKO_DIST");
  }

  public static Path nodeLib() {
    Path lib = home().resolve("lib").resolve("node");
    if (!Files.isDirectory(lib)) {
      throw CliException.failed(
          "the node distribution is missing (" + lib + "); rebuild with ./tako or reinstall tako");
    }
    return lib;
  }

  /** The java executable running this CLI, used to start playground nodes. */
  public static String java() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }
}
