package dev.tako.cli.commands;

import dev.tako.cli.CliException;
import dev.tako.cli.Servers;
import dev.tako.cli.TakoHome;
import dev.tako.protocol.config.TakoInit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tako init}: writes a tako.toml for the app in the current directory. */
@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    description = "Write tako.toml for the app in the current directory.")
public final class InitCommand implements Callable<Integer> {
  @Option(names = "--force", description = "Overwrite an existing tako.toml.")
  boolean force;

  @Override
  public Integer call() throws IOException {
    Path dir = Path.of("").toAbsolutePath();
    Path file = dir.resolve("tako.toml");
    if (Files.exists(file) && !force) {
      throw CliException.usage(
          "tako.toml already exists in "
              + dir
              + "; edit it, or run tako init --force to replace it");
    }
    var inventory = Servers.load(TakoHome.fromEnvironment());
    String text = TakoInit.initialToml(dir, new ArrayList<>(inventory.servers().keySet()));
    Files.writeString(file, text);
    System.out.println("wrote " + file);
    TakoInit.dependencyNote(dir).ifPresent(System.out::println);
    if (inventory.servers().isEmpty()) {
      System.out.println(
          "next: add a server (tako servers add NAME --host HOST) or start the playground"
              + " (tako playground up), list it under [envs.production].servers, then tako deploy");
    } else {
      System.out.println("next: tako deploy");
    }
    return 0;
  }
}
