package dev.tako.supervisor;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Makes the output FIFOs of instances. The JDK cannot create a FIFO, so it takes a {@code mkfifo -m
 * 600} process, which costs about as much as starting a small process: too much for a cold start (a
 * request waits). So each run directory keeps a few spare pairs, {@code spare-<hex>.out.fifo} and
 * {@code .err.fifo}, made ahead in one {@code mkfifo} on a daemon thread; a launch renames a spare
 * pair into place (no process) and only runs {@code mkfifo} itself when none is left. Spares are
 * never opened; a node's start removes those a previous run left (they have no pid file).
 */
final class FifoPool {
  /** Pairs one refill makes. */
  static final int BATCH = 4;

  /** A refill starts when fewer spares than this are left. */
  static final int LOW = 2;

  private static final Map<Path, FifoPool> POOLS = new ConcurrentHashMap<>();

  private final Path dir;
  private final Deque<Path[]> spares = new ArrayDeque<>();
  private boolean refilling;

  private FifoPool(Path dir) {
    this.dir = dir;
  }

  /** Creates the FIFOs {@code out} and {@code err} (in the same directory), replacing any. */
  static void createPair(Path out, Path err) throws IOException {
    POOLS.computeIfAbsent(out.toAbsolutePath().getParent(), FifoPool::new).take(out, err);
  }

  private void take(Path out, Path err) throws IOException {
    Path[] spare;
    synchronized (this) {
      spare = spares.poll();
      if (spares.size() < LOW && !refilling) {
        refilling = true;
        Thread refill = new Thread(this::refill, "fifo-spares");
        refill.setDaemon(true);
        refill.start();
      }
    }
    Files.deleteIfExists(out);
    Files.deleteIfExists(err);
    if (spare != null) {
      try {
        Files.move(spare[0], out, StandardCopyOption.ATOMIC_MOVE);
        Files.move(spare[1], err, StandardCopyOption.ATOMIC_MOVE);
        return;
      } catch (IOException e) {
        // The spares are gone (a node's start removed them): make the pair here.
        Files.deleteIfExists(out);
        Files.deleteIfExists(spare[1]);
      }
    }
    mkfifo(List.of(out, err));
  }

  private void refill() {
    List<Path[]> made = new ArrayList<>();
    try {
      List<Path> paths = new ArrayList<>();
      for (int i = 0; i < BATCH; i++) {
        String name = String.format("spare-%08x", ThreadLocalRandom.current().nextInt());
        Path[] pair = {dir.resolve(name + ".out.fifo"), dir.resolve(name + ".err.fifo")};
        made.add(pair);
        paths.add(pair[0]);
        paths.add(pair[1]);
      }
      Files.createDirectories(dir);
      mkfifo(paths);
    } catch (IOException | RuntimeException e) {
      made.clear(); // the next launch makes its own
    } finally {
      synchronized (this) {
        spares.addAll(made);
        refilling = false;
      }
    }
  }

  /** Runs {@code mkfifo -m 600} on {@code paths}; fails unless all exist afterwards. */
  static void mkfifo(List<Path> paths) throws IOException {
    List<String> command = new ArrayList<>(List.of("mkfifo", "-m", "600"));
    paths.forEach(p -> command.add(p.toString()));
    Process mkfifo =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectErrorStream(true)
            .start();
    try {
      if (!mkfifo.waitFor(10, TimeUnit.SECONDS)) {
        mkfifo.destroyForcibly();
        throw new IOException("mkfifo did not finish");
      }
    } catch (InterruptedException e) {
      mkfifo.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while creating FIFOs", e);
    }
    if (mkfifo.exitValue() != 0 || !paths.stream().allMatch(Files::exists)) {
      throw new IOException("cannot create FIFOs in " + paths.get(0).getParent());
    }
  }
}
