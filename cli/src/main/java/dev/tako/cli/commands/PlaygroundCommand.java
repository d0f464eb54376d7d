package dev.tako.cli.commands;

import dev.tako.cli.CliException;
import dev.tako.cli.Output;
import dev.tako.cli.TakoHome;
import dev.tako.cli.playground.Playground;
import dev.tako.cli.playground.PlaygroundState;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tako playground up|down|ls|stop|start}: a local multi-region cluster (SPEC §6). */
@Command(
    name = "playground",
    mixinStandardHelpOptions = true,
    description = "A local multi-region cluster: one node per region on this machine.",
    subcommands = {
      PlaygroundCommand.Up.class,
      PlaygroundCommand.Down.class,
      PlaygroundCommand.Ls.class,
      PlaygroundCommand.Stop.class,
      PlaygroundCommand.Start.class,
      // wan-playground: partition and heal (SPEC §11)
      PlaygroundNetworkCommands.Partition.class,
      PlaygroundNetworkCommands.Heal.class
    })
public final class PlaygroundCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static Duration timeout(int seconds) {
    return Duration.ofSeconds(seconds);
  }

  @Command(
      name = "up",
      mixinStandardHelpOptions = true,
      description = "Start the playground's nodes and wait until all are Up.")
  static final class Up implements Callable<Integer> {
    @Option(
        names = "--regions",
        split = ",",
        defaultValue = "la,nyc,fra,sgp",
        description = "Regions, one node each (default: ${DEFAULT-VALUE}).")
    List<String> regions;

    @Option(
        names = "--timeout",
        defaultValue = "120",
        description = "Seconds to wait for every node (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--json", description = "Print the nodes as one JSON object.")
    boolean json;

    // wan-playground
    @Option(
        names = "--wan",
        description =
            "Round trips between regions as between real ones (la-nyc 70 ms ... nyc-sgp 230 ms);"
                + " each up sets it anew.")
    boolean wan;

    @Override
    public Integer call() throws IOException {
      for (String r : regions) {
        if (!r.matches("[a-z][a-z0-9-]{0,62}")) {
          throw CliException.usage("--regions: \"" + r + "\" is not a valid name (a-z, 0-9, -)");
        }
      }
      Output out = new Output(json);
      out.progress("starting the playground: " + String.join(", ", regions));
      Playground pg = new Playground(TakoHome.fromEnvironment(), out, timeout(timeoutSeconds));
      PlaygroundState state = pg.up(regions, wan);
      Ls.print(state, out);
      return 0;
    }
  }

  @Command(
      name = "down",
      mixinStandardHelpOptions = true,
      description = "Stop every playground node and app, and forget them.")
  static final class Down implements Callable<Integer> {
    @Override
    public Integer call() throws IOException {
      Output out = new Output(false);
      new Playground(TakoHome.fromEnvironment(), out, timeout(120)).down();
      // Its connections were to the playground's nodes: no process of this home is left behind.
      dev.tako.cli.keeper.Keeper.stop(TakoHome.fromEnvironment());
      out.line("playground is down");
      return 0;
    }
  }

  @Command(
      name = "ls",
      mixinStandardHelpOptions = true,
      description = "List the playground's nodes.")
  static final class Ls implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      Output out = new Output(json);
      print(new Playground(TakoHome.fromEnvironment(), out, timeout(120)).state(), out);
      return 0;
    }

    static void print(PlaygroundState state, Output out) {
      List<Map<String, Object>> servers = new ArrayList<>();
      for (PlaygroundState.Node n : state.servers()) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean running = n.running();
        m.put("name", n.name());
        m.put("region", n.region());
        m.put("pid", running ? n.pid() : null);
        m.put("running", running);
        m.put("home", n.home());
        m.put("ssh_port", n.sshPort());
        m.put("api_port", n.apiPort());
        m.put("proxy_port", n.proxyPort());
        m.put("https_port", n.httpsPort());
        m.put("metrics_port", n.metricsPort());
        m.put("address", n.address()); // wan-playground
        servers.add(m);
      }
      // wan-playground: the network's keys once there is a playground
      out.result(
          state.servers().isEmpty()
              ? Map.of("servers", servers)
              : PlaygroundNetworkCommands.withNetwork(Map.of("servers", servers), state));
      if (state.servers().isEmpty()) {
        out.line("the playground is not set up (start it with: tako playground up)");
        return;
      }
      out.line(
          String.format(
              "%-8s %-8s %-8s %-9s %-6s %-6s %-6s %s",
              "NAME", "REGION", "PID", "RUNNING", "SSH", "API", "PROXY", "URL"));
      for (PlaygroundState.Node n : state.servers()) {
        boolean running = n.running();
        out.line(
            String.format(
                "%-8s %-8s %-8s %-9s %-6d %-6d %-6d http://127.0.0.1:%d/",
                n.name(),
                n.region(),
                running ? String.valueOf(n.pid()) : "-",
                running ? "yes" : "no",
                n.sshPort(),
                n.apiPort(),
                n.proxyPort(),
                n.proxyPort()));
      }
      out.line(PlaygroundNetworkCommands.networkLine(state)); // wan-playground
    }
  }

  @Command(
      name = "stop",
      mixinStandardHelpOptions = true,
      description = "Stop one playground node (its apps stop with it).")
  static final class Stop implements Callable<Integer> {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      new Playground(TakoHome.fromEnvironment(), new Output(false), timeout(120)).stop(name);
      return 0;
    }
  }

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description = "Start one stopped playground node; its apps come back from its journal.")
  static final class Start implements Callable<Integer> {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(
        names = "--timeout",
        defaultValue = "120",
        description = "Seconds to wait (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws IOException {
      new Playground(TakoHome.fromEnvironment(), new Output(false), timeout(timeoutSeconds))
          .start(name);
      return 0;
    }
  }
}
