package dev.tako.node;

import com.typesafe.config.Config;
import dev.tako.node.upgrade.NodeHandover;
import dev.tako.node.upgrade.Successor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Starts a Tako node: {@code java -cp 'lib/node/*' dev.tako.node.Main <home>}. Everything else
 * comes from {@code <home>/node.conf}. Exits non-zero with one line on stderr when the home is not
 * usable.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1 || args[0].startsWith("-")) {
      System.err.println("usage: dev.tako.node.Main <home>   (the directory holding node.conf)");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath().normalize();
    Config config;
    AdminToken token;
    try {
      config = NodeConfig.load(home);
      token = AdminToken.loadOrCreate(home);
    } catch (Exception e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
      return;
    }
    NodeSettings settings = NodeSettings.fromConfig(config, home);
    Files.writeString(home.resolve("node.pid"), ProcessHandle.current().pid() + "\n");
    // App processes a previous run left behind: adopted by their apps, or stopped.
    var leftovers =
        LeftoverProcesses.scan(
            home.resolve("run"),
            dev.tako.supervisor.SupervisorSettings.fromConfig(config).termGrace());
    // A handover (tako servers upgrade): this process replaces a running one of this node, which
    // serves until the apps adopted here serve from this one.
    java.util.Optional<Successor> successor =
        Successor.predecessorFromEnvironment()
            .map(
                pid ->
                    new Successor(
                        pid,
                        leftovers.stream()
                            .map(l -> l.app() + "/" + l.env())
                            .collect(java.util.stream.Collectors.toSet())));
    ActorSystem<?> system =
        ActorSystem.create(
            Guardian.create(settings, token, leftovers, successor), NodeConfig.SYSTEM_NAME, config);
    exitWith(system);
  }

  /**
   * The process ends with its actor system (Pekko's {@code exit-jvm} is off: a handover keeps the
   * process, and its proxy, after the system stopped), unless the JVM is exiting already.
   */
  private static void exitWith(ActorSystem<?> system) {
    system
        .getWhenTerminated()
        .thenRun(
            () -> {
              if (NodeHandover.handingOver()) {
                return;
              }
              var reason = CoordinatedShutdown.get(system).getShutdownReason();
              if (reason.isPresent() && reason.get() == CoordinatedShutdown.jvmExitReason()) {
                return;
              }
              Thread exit = new Thread(() -> System.exit(0), "tako-exit");
              exit.start();
            });
  }
}
