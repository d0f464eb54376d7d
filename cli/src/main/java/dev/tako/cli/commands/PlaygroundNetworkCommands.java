package dev.tako.cli.commands;

import dev.tako.cli.Output;
import dev.tako.cli.TakoHome;
import dev.tako.cli.playground.PlaygroundNetwork;
import dev.tako.cli.playground.PlaygroundState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tako playground partition REGION} and {@code heal [REGION...]} (SPEC §11), and the network
 * part of {@code playground ls}: whether --wan is on and which regions are cut off.
 */
final class PlaygroundNetworkCommands {
  private PlaygroundNetworkCommands() {}

  @Command(
      name = "partition",
      mixinStandardHelpOptions = true,
      description =
          "Cut a region off from every other region and from the CLI: its connections hang"
              + " (as on a real network) until heal.")
  static final class Partition implements Callable<Integer> {
    @Parameters(paramLabel = "REGION")
    String region;

    @Option(names = "--json", description = "Print the network as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      Output out = new Output(json);
      PlaygroundState state =
          new PlaygroundNetwork(TakoHome.fromEnvironment(), out).partition(region);
      out.result(withNetwork(Map.of(), state));
      out.line(region + " is cut off");
      return 0;
    }
  }

  @Command(
      name = "heal",
      mixinStandardHelpOptions = true,
      description =
          "Restore partitioned regions (all by default); returns once traffic passes again.")
  static final class Heal implements Callable<Integer> {
    @Parameters(paramLabel = "REGION", arity = "0..*")
    List<String> regions = List.of();

    @Option(names = "--json", description = "Print the network as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      Output out = new Output(json);
      PlaygroundState state = new PlaygroundNetwork(TakoHome.fromEnvironment(), out).heal(regions);
      out.result(withNetwork(Map.of(), state));
      out.line(networkLine(state));
      return 0;
    }
  }

  /** {@code result} plus {@code "wan"} and {@code "partitioned"}. */
  static Map<String, Object> withNetwork(Map<String, Object> result, PlaygroundState state) {
    Map<String, Object> m = new LinkedHashMap<>(result);
    m.put("wan", state.network().wan());
    m.put("partitioned", state.network().partitioned());
    return m;
  }

  static String networkLine(PlaygroundState state) {
    PlaygroundState.Network net = state.network();
    return "network: "
        + (net.wan() ? "wan (round trips of SPEC §11)" : "loopback (no delay)")
        + "; partitioned: "
        + (net.partitioned().isEmpty() ? "none" : String.join(", ", net.partitioned()));
  }
}
