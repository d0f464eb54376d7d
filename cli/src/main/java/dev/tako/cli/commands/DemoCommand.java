package dev.tako.cli.commands;

import dev.tako.cli.CliException;
import dev.tako.cli.Deployer;
import dev.tako.cli.Dist;
import dev.tako.cli.Output;
import dev.tako.cli.TakoHome;
import dev.tako.cli.playground.Playground;
import dev.tako.cli.playground.PlaygroundState;
import dev.tako.protocol.api.DeployResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code tako demo}: starts the four-region playground, deploys examples/hello-node to it and
 * prints one URL per region.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Start a local 4-region playground, deploy examples/hello-node, print its URLs.")
public final class DemoCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    Output out = new Output(false);
    TakoHome home = TakoHome.fromEnvironment();
    Path example = Dist.home().resolve("examples").resolve("hello-node");
    if (!Files.exists(example.resolve("tako.toml"))) {
      throw CliException.failed("the example app is missing: " + example);
    }
    out.progress("starting a 4-region playground (la, nyc, fra, sgp)...");
    PlaygroundState state =
        new Playground(home, out, Duration.ofSeconds(180)).up(Playground.DEFAULT_REGIONS);
    out.progress("deploying " + example + " ...");
    DeployResult result =
        new Deployer(home, out)
            .deploy(
                new Deployer.Options(example.resolve("tako.toml"), "production", null, null, true));
    int code = Deployer.report(result, out, "hello");
    if (code != 0) {
      return code;
    }
    out.line("");
    out.line("hello is served by four regions:");
    for (PlaygroundState.Node n : state.servers()) {
      out.line(String.format("  %-4s http://hello.localhost:%d/", n.name(), n.proxyPort()));
    }
    out.line("");
    out.line("try: curl http://hello.localhost:" + state.servers().get(0).proxyPort() + "/");
    out.line("     tako status        (cluster and app state)");
    out.line("     tako playground down   (stop everything)");
    return 0;
  }
}
