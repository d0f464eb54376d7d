package dev.tako.supervisor;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@link ProcessBuilder} of one instance as data: the command as given (a relative
 * {@code command[0]} containing a slash resolves against the release directory), the release
 * directory as working directory, an environment made of a few basics from the node ({@link
 * #INHERITED}) plus the spec's variables plus {@code PORT}, {@code HOST} and {@code TAKO_INSTANCE},
 * and stdout/stderr opened read-write on the instance's FIFOs ({@link InstanceFiles#outFifo}),
 * which the node drains into its log files ({@link InstanceFiles#startPumps}).
 *
 * <p>The JDK cannot give a child a file opened read-write as its stdout, so the command runs
 * through {@code /bin/sh -c 'exec "$@" 1<>"$o" 2<>"$e"'} with the FIFOs and the command as
 * positional arguments (nothing added to the environment but the {@code PWD} a shell exports
 * anyway, set to the release directory): {@code exec} replaces the shell, so the process started is
 * the app itself (same pid). Holding its FIFOs read-write, the app is its own reader: it never gets
 * EPIPE or SIGPIPE when no node reads (the node process was replaced), and its writes only wait
 * once the pipe's buffer is full. Building does no I/O; {@link #requireProgram} and {@link
 * #freePort()} do.
 */
public final class ProcessLaunch {

  /** Variables taken from the node's own environment when present. */
  public static final List<String> INHERITED = List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ");

  static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

  private ProcessLaunch() {}

  public static List<String> command(ReleaseSpec spec) {
    List<String> command = new ArrayList<>(spec.command());
    String program = command.get(0);
    if (program.contains(File.separator) && !Path.of(program).isAbsolute()) {
      command.set(0, spec.releaseDir().resolve(program).normalize().toString());
    }
    return command;
  }

  public static Map<String, String> environment(
      ReleaseSpec spec, String instanceId, int port, Map<String, String> nodeEnv) {
    Map<String, String> env = new java.util.HashMap<>();
    for (String name : INHERITED) {
      String value = nodeEnv.get(name);
      if (value != null) {
        env.put(name, value);
      }
    }
    env.putIfAbsent("PATH", DEFAULT_PATH);
    env.putAll(spec.environment());
    env.put("PORT", Integer.toString(port));
    env.put("HOST", "127.0.0.1");
    env.put("TAKO_INSTANCE", instanceId);
    return env;
  }

  /** The shell script that puts the app's stdout and stderr on its FIFOs, then becomes the app. */
  static final String WRAPPER = "o=$1 e=$2; shift 2; exec \"$@\" 1<>\"$o\" 2<>\"$e\"";

  public static ProcessBuilder builder(
      ReleaseSpec spec, String instanceId, int port, Map<String, String> nodeEnv) {
    InstanceFiles files = new InstanceFiles(spec, instanceId);
    List<String> wrapped = new ArrayList<>();
    wrapped.add("/bin/sh");
    wrapped.add("-c");
    wrapped.add(WRAPPER);
    wrapped.add("tako-" + spec.app()); // $0: names the shell in its own error messages
    wrapped.add(files.outFifo().toString());
    wrapped.add(files.errFifo().toString());
    wrapped.addAll(command(spec));
    ProcessBuilder pb = new ProcessBuilder(wrapped);
    pb.directory(spec.releaseDir().toFile());
    Map<String, String> env = pb.environment();
    env.clear();
    env.putAll(environment(spec, instanceId, port, nodeEnv));
    // The shell would export a PWD of its own; this one is the same, whatever the shell.
    env.putIfAbsent("PWD", spec.releaseDir().toString());
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    return pb;
  }

  /**
   * Fails the way starting the command directly would when its program cannot run: a path that is
   * no executable file, or a name found on no directory of the instance's {@code PATH}. (Through
   * the wrapper shell such a start would only be an exit with code 127.)
   */
  public static void requireProgram(List<String> command, Map<String, String> env)
      throws IOException {
    String program = command.get(0);
    if (program.contains(File.separator)) {
      Path p = Path.of(program);
      if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
        throw new IOException(
            Files.exists(p) ? "not an executable file" : "No such file or directory");
      }
      return;
    }
    String path = env.getOrDefault("PATH", DEFAULT_PATH);
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir).resolve(program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return;
      }
    }
    throw new IOException("not found on PATH " + path);
  }

  /** A loopback port free at the time of the call (bound to port 0, then released). */
  public static int freePort() throws IOException {
    return dev.tako.protocol.ports.InstancePorts.kernelPort();
  }
}
