package dev.tako.supervisor;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@link ProcessBuilder} of one instance as data: the command exactly as given (no
 * wrapper shell; a relative {@code command[0]} containing a slash resolves against the release
 * directory), the release directory as working directory, an environment made of a few basics from
 * the node ({@link #INHERITED}) plus the spec's variables plus {@code PORT}, {@code HOST} and
 * {@code TAKO_INSTANCE}, and stdout/stderr as pipes, which the instance drains into its log files
 * ({@link InstanceFiles#startPumps}). Building does no I/O; {@link #freePort()} does.
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

  public static ProcessBuilder builder(
      ReleaseSpec spec, String instanceId, int port, Map<String, String> nodeEnv) {
    ProcessBuilder pb = new ProcessBuilder(command(spec));
    pb.directory(spec.releaseDir().toFile());
    Map<String, String> env = pb.environment();
    env.clear();
    env.putAll(environment(spec, instanceId, port, nodeEnv));
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.redirectOutput(ProcessBuilder.Redirect.PIPE);
    pb.redirectError(ProcessBuilder.Redirect.PIPE);
    return pb;
  }

  /** A loopback port free at the time of the call (bound to port 0, then released). */
  public static int freePort() throws IOException {
    return dev.tako.protocol.ports.InstancePorts.kernelPort();
  }
}
