package dev.tako.node.dev;

import dev.tako.protocol.Durations;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The process of {@code tako dev}, started by the CLI from the node distribution's jars (so the CLI
 * itself never loads Pekko): {@code session --config <tako.toml> --port <https>} runs one app
 * ({@link DevSession}) on the terminal the CLI hands down, and {@code proxy --port <https>
 * [--linger <duration>]} is the machine's detached dev proxy ({@link DevProxy}). {@code $TAKO_HOME}
 * comes as the system property {@code tako.home}.
 *
 * <p>Errors are printed as the CLI prints its own ({@code error: <message>} on stderr) with its
 * exit codes: 1 failed, 2 usage. A session also ends, as after Ctrl-C, when the {@code tako}
 * process that started it goes away, so a killed CLI leaves no app running.
 */
public final class DevMain {
  private DevMain() {}

  public static void main(String[] args) {
    System.exit(run(List.of(args)));
  }

  static int run(List<String> args) {
    try {
      if (args.isEmpty()) {
        throw DevException.usage("usage: DevMain session|proxy --port <port> [...]");
      }
      logging(args.get(0));
      Map<String, String> options = options(args.subList(1, args.size()));
      int port = port(options.get("--port"));
      Path home = home();
      return switch (args.get(0)) {
        case "session" -> session(home, options, port);
        case "proxy" -> proxy(home, options, port);
        default -> throw DevException.usage("unknown mode " + args.get(0) + ": session or proxy");
      };
    } catch (DevException e) {
      String msg = e.getMessage();
      System.err.println(msg.startsWith("error:") ? msg : "error: " + msg);
      return e.exitCode();
    } catch (RuntimeException e) {
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      System.err.println(
          "error: unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage());
      System.err.print(trace);
      return DevException.FAILED;
    }
  }

  /**
   * A session's terminal is the user's: libraries stay silent; the proxy logs at info into its log
   * file. Set up here, on one thread, before the actor system's threads log concurrently (SLF4J
   * would otherwise replay their first lines with a warning).
   */
  private static void logging(String mode) {
    if (System.getProperty("logback.configurationFile") == null) {
      String file = mode.equals("proxy") ? "logback-proxy.xml" : "logback-quiet.xml";
      System.setProperty("logback.configurationFile", "dev/tako/node/dev/" + file);
    }
    org.slf4j.LoggerFactory.getLogger(DevMain.class);
  }

  private static int session(Path home, Map<String, String> options, int port) {
    String config = options.getOrDefault("--config", "tako.toml");
    DevSession session =
        new DevSession(home, Path.of(config), port, new DevConsole(System.out, System.err));
    ProcessHandle.current()
        .parent()
        .ifPresent(p -> p.onExit().thenRun(() -> session.stop("tako ended")));
    return session.run();
  }

  private static int proxy(Path home, Map<String, String> options, int port) {
    Duration linger;
    String text = options.getOrDefault("--linger", "1s");
    try {
      linger = Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw DevException.usage("--linger " + text + ": " + e.getMessage());
    }
    return DevProxy.run(
        new DevProxyFiles(home.resolve("dev"), port), DevSession.ca(home), linger, System.err);
  }

  private static Map<String, String> options(List<String> args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < args.size(); i += 2) {
      if (i + 1 >= args.size() || !args.get(i).startsWith("--")) {
        throw DevException.usage("expected --option value pairs, got " + args);
      }
      out.put(args.get(i), args.get(i + 1));
    }
    return out;
  }

  private static int port(String text) {
    try {
      int port = Integer.parseInt(text);
      if (port >= 2 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw DevException.usage(
        "--port " + text + " is not a port: 2..65535 (plain HTTP uses the port below it)");
  }

  /** {@code $TAKO_HOME}, handed down by the CLI as the system property {@code tako.home}. */
  private static Path home() {
    String prop = System.getProperty("tako.home");
    if (prop == null || prop.isBlank()) {
      throw DevException.usage("-Dtako.home is not set (DevMain is started by tako dev)");
    }
    return Path.of(prop).toAbsolutePath().normalize();
  }

  /** The java executable running this process, for the dev proxy it starts. */
  static String java() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }
}
