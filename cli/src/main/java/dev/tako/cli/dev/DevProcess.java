package dev.tako.cli.dev;

import dev.tako.cli.CliException;
import dev.tako.cli.Dist;
import dev.tako.cli.TakoHome;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs what {@code tako dev} does at run time, the app under the nodes' supervisor and the dev
 * proxy, as a process of its own from the node distribution's jars ({@code lib/node/}, the Pekko
 * side), so the CLI never loads Pekko. The process gets this terminal (stdin, stdout, stderr
 * inherited: keys, colours and prefixed logs are its own), and this process follows it: SIGINT,
 * SIGTERM and SIGHUP sent to {@code tako} are passed on (it stops the app and exits), and its exit
 * code is {@code tako}'s. If {@code tako} itself dies, the process notices and stops the app.
 *
 * <p>The node jars come from the installed distribution ({@link Dist#nodeLib()}), or from the
 * system property {@value #CLASSPATH_PROPERTY} (a classpath, for tests and source checkouts).
 */
public final class DevProcess {
  static final String MAIN = "dev.tako.node.dev.DevMain";
  static final String CLASSPATH_PROPERTY = "tako.node.classpath";
  private static final List<String> SIGNALS = List.of("INT", "TERM", "HUP");

  private DevProcess() {}

  /** Runs {@code DevMain <args>} on this terminal until it exits; its exit code. */
  public static int run(TakoHome home, List<String> args) {
    return run(command(home.dir(), args));
  }

  /** The java command of the dev process: same JVM, small and quick to start. */
  static List<String> command(Path home, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Dist.java());
    // A developer's few requests need no C2 or a parallel GC; startup time matters more.
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-Dtako.home=" + home);
    cmd.add("-cp");
    cmd.add(classpath());
    cmd.add(MAIN);
    cmd.addAll(args);
    return cmd;
  }

  static String classpath() {
    String cp = System.getProperty(CLASSPATH_PROPERTY);
    if (cp != null && !cp.isBlank()) {
      return cp;
    }
    return Dist.nodeLib() + "/*";
  }

  /** Runs {@code command} with this process's stdio, passing signals on; its exit code. */
  static int run(List<String> command) {
    AtomicReference<Process> child = new AtomicReference<>();
    // Installed before the start: a signal arriving at any point reaches the child.
    Map<sun.misc.Signal, sun.misc.SignalHandler> previous = new LinkedHashMap<>();
    for (String name : SIGNALS) {
      try {
        sun.misc.Signal signal = new sun.misc.Signal(name);
        previous.put(signal, sun.misc.Signal.handle(signal, s -> forward(child.get(), name)));
      } catch (IllegalArgumentException e) {
        // not available on this platform: the JVM's default handling still ends the process
      }
    }
    try {
      Process p;
      try {
        p = new ProcessBuilder(command).inheritIO().start();
      } catch (IOException e) {
        throw CliException.failed("cannot start " + command.get(0) + ": " + e.getMessage());
      }
      child.set(p);
      boolean interrupted = false;
      while (true) {
        try {
          int code = p.waitFor();
          if (interrupted) {
            Thread.currentThread().interrupt();
          }
          return code;
        } catch (InterruptedException e) {
          // The caller gives up: the child stops its app as after SIGTERM, and is waited for.
          interrupted = true;
          p.destroy();
        }
      }
    } finally {
      previous.forEach(sun.misc.Signal::handle);
    }
  }

  /** Sends the signal {@code name} to the child (SIGTERM through the JDK when kill is missing). */
  private static void forward(Process child, String name) {
    if (child == null || !child.isAlive()) {
      return;
    }
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + name, Long.toString(child.pid()))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (kill.waitFor() == 0) {
        return;
      }
    } catch (IOException e) {
      // no kill command: fall through
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    child.destroy();
  }
}
