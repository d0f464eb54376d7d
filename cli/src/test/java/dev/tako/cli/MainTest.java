package dev.tako.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.protocol.Version;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Exit codes and error lines of SPEC §2, through {@link Main#run}, against an empty TAKO_HOME. */
class MainTest {
  @TempDir Path dir;
  private Path home;

  private static final String VALID =
      """
      name = "hello"
      runtime = "node"
      main = "server.js"

      [envs.production]
      routes = ["hello.localhost"]
      servers = ["la"]
      """;

  record Run(int code, String out, String err) {
    List<String> errorLines() {
      return err.lines().filter(l -> l.startsWith("error:")).toList();
    }
  }

  @BeforeEach
  void emptyHome() {
    home = dir.resolve("home");
    System.setProperty("tako.home", home.toString());
  }

  @AfterEach
  void clearHome() {
    System.clearProperty("tako.home");
  }

  private static Run run(String... args) {
    try (Captured c = new Captured()) {
      int code = Main.run(args);
      return new Run(code, c.out(), c.err());
    }
  }

  private Path write(String name, String text) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  @Test
  void versionPrintsTakoAndTheVersion() {
    Run r = run("--version");
    assertEquals(0, r.code());
    assertEquals("tako " + Version.VALUE, r.out().strip());
  }

  @Test
  void unknownFlagIsUsageError() {
    Run r = run("--no-such-flag");
    assertEquals(CliException.USAGE, r.code());
    assertTrue(r.err().startsWith("error: "), r.err());
    assertTrue(r.err().contains("--no-such-flag"), r.err());
  }

  @Test
  void unknownSubcommandIsUsageError() {
    Run r = run("frobnicate");
    assertEquals(CliException.USAGE, r.code());
    assertTrue(r.err().startsWith("error: "), r.err());
    assertTrue(r.err().contains("frobnicate"), r.err());
  }

  @Test
  void deployWithoutConfigSuggestsInit() {
    Run r = run("deploy", "-c", dir.resolve("missing.toml").toString());
    assertEquals(CliException.USAGE, r.code());
    assertEquals(1, r.errorLines().size(), r.err());
    assertTrue(r.err().contains("missing.toml"), r.err());
    assertTrue(r.err().contains("tako init"), r.err());
  }

  @Test
  void deployWithInvalidConfigReportsEveryProblemOnItsOwnLine() throws IOException {
    Path cfg =
        write(
            "tako.toml",
            VALID.replace("\"hello\"", "\"Bad_Name\"").replace("\"node\"", "\"cobol\""));
    Run r = run("deploy", "-c", cfg.toString());
    assertEquals(CliException.USAGE, r.code());
    List<String> errors = r.errorLines();
    assertEquals(2, errors.size(), r.err());
    assertTrue(errors.stream().allMatch(l -> l.contains(cfg.toString())), r.err());
    assertTrue(errors.stream().anyMatch(l -> l.contains(": name: ") && l.contains("Bad_Name")));
    assertTrue(errors.stream().anyMatch(l -> l.contains(": runtime: ") && l.contains("cobol")));
    assertTrue(r.err().lines().noneMatch(l -> l.startsWith("error: error:")), r.err());
    assertTrue(r.err().lines().noneMatch(l -> l.contains("\tat ")), "no stack trace");
  }

  @Test
  void deployToAServerNotInTheInventoryNamesItAndSaysHowToAddIt() throws IOException {
    Path cfg = write("tako.toml", VALID);
    Run r = run("deploy", "-c", cfg.toString());
    assertEquals(CliException.USAGE, r.code());
    assertEquals(1, r.errorLines().size(), r.err());
    String line = r.errorLines().get(0);
    assertTrue(line.contains("envs.production.servers"), line);
    assertTrue(line.contains("\"la\""), line);
    assertTrue(line.contains("tako servers add la"), line);
  }

  @Test
  void deployWithUnknownStrategyIsUsageError() throws IOException {
    Path cfg = write("tako.toml", VALID);
    Run r = run("deploy", "-c", cfg.toString(), "--strategy", "foo");
    assertEquals(CliException.USAGE, r.code());
    assertTrue(r.err().startsWith("error: "), r.err());
    assertTrue(r.err().contains("\"foo\"") && r.err().contains("atomic, rolling"), r.err());
  }

  @Test
  void statusWithNoServersCannotReachANode() {
    Run r = run("status");
    assertEquals(CliException.UNREACHABLE, r.code());
    assertTrue(r.err().startsWith("error: "), r.err());
    assertTrue(r.err().contains("tako servers add"), r.err());
  }

  @Test
  void serversAddRejectsAnInvalidName() {
    Run r = run("servers", "add", "bad_name", "--host", "x");
    assertEquals(CliException.USAGE, r.code());
    assertTrue(r.err().startsWith("error: ") && r.err().contains("bad_name"), r.err());
    assertTrue(Files.notExists(home.resolve("config.toml")), "nothing written");
  }

  @Test
  void serversAddWithoutHostIsUsageError() {
    Run r = run("servers", "add", "la");
    assertEquals(CliException.USAGE, r.code());
    assertTrue(r.err().contains("--host"), r.err());
  }

  @Test
  void serversLsJsonOnEmptyInventoryIsOneObject() {
    Run r = run("servers", "ls", "--json");
    assertEquals(0, r.code());
    assertEquals("{\"servers\":[]}\n", r.out().replace("\r\n", "\n"));
  }

  @Test
  void serversLsHumanOnEmptyInventorySaysHowToAddOne() {
    Run r = run("servers", "ls");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("tako servers add"), r.out());
  }

  @Test
  void serversLsWithBrokenInventoryNamesTheFile() throws IOException {
    Files.createDirectories(home);
    Files.writeString(home.resolve("config.toml"), "[servers.la]\nport = 22\ncolour = 1\n");
    Run r = run("servers", "ls", "--json");
    assertEquals(CliException.USAGE, r.code());
    assertEquals("", r.out(), "no JSON on a failure");
    assertTrue(r.errorLines().size() >= 2, r.err());
    assertTrue(r.errorLines().stream().allMatch(l -> l.contains("config.toml")), r.err());
  }

  @Test
  void serversRmOfAnUnknownServerIsUsageError() {
    Run r = run("servers", "rm", "nope");
    assertEquals(CliException.USAGE, r.code());
    assertTrue(r.err().startsWith("error: ") && r.err().contains("\"nope\""), r.err());
  }

  @Test
  void playgroundLsJsonWithoutPlaygroundIsOneEmptyObject() {
    Run r = run("playground", "ls", "--json");
    assertEquals(0, r.code());
    assertEquals("{\"servers\":[]}\n", r.out().replace("\r\n", "\n"));
  }

  @Test
  void playgroundStopOfAnUnknownNodeIsUsageError() {
    Run r = run("playground", "stop", "nope");
    assertEquals(CliException.USAGE, r.code());
    assertTrue(r.err().contains("tako playground ls"), r.err());
  }

  @Test
  void playgroundUpRejectsAnInvalidRegionBeforeStartingAnything() {
    Run r = run("playground", "up", "--regions", "la,Bad");
    assertEquals(CliException.USAGE, r.code());
    assertTrue(r.err().contains("\"Bad\""), r.err());
    assertTrue(Files.notExists(home.resolve("playground")));
  }

  @Test
  void everyCommandHasHelpThatExitsZero() {
    List<List<String>> paths = new ArrayList<>();
    collect(Main.commandLine(), new ArrayList<>(), paths);
    assertTrue(paths.size() >= 15, "found " + paths);
    for (List<String> path : paths) {
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      Run r = run(args.toArray(String[]::new));
      assertEquals(0, r.code(), "tako " + String.join(" ", args) + ": " + r.err());
      assertTrue(r.out().contains("Usage:"), "tako " + String.join(" ", args));
      assertEquals("", r.err(), "tako " + String.join(" ", args));
    }
  }

  @Test
  void aCommandBuildsOnlyItsOwnModel() {
    assertEquals(
        List.of("status"),
        List.copyOf(Main.commandLine("status", "--json").getSubcommands().keySet()));
    assertEquals(
        List.of("servers"),
        List.copyOf(Main.commandLine("--verbose", "servers", "ls").getSubcommands().keySet()));
    assertTrue(Main.commandLine("--version").getSubcommands().isEmpty());
    assertEquals(Main.COMMANDS.keySet(), Main.commandLine().getSubcommands().keySet());
    assertEquals(Main.COMMANDS.keySet(), Main.commandLine("--help").getSubcommands().keySet());
    assertEquals(Main.COMMANDS.keySet(), Main.commandLine("stauts").getSubcommands().keySet());
    assertEquals(Main.COMMANDS.keySet(), Main.commandLine(new String[0]).getSubcommands().keySet());
  }

  @Test
  void everyCommandIsRegisteredUnderItsOwnName() {
    Main.COMMANDS.forEach(
        (name, command) ->
            assertEquals(
                name,
                command.get().getClass().getAnnotation(CommandLine.Command.class).name(),
                command.get().getClass().getName()));
  }

  @Test
  void anUnknownCommandIsAUsageError() {
    Run r = run("stauts");
    assertEquals(CliException.USAGE, r.code());
    assertTrue(r.err().contains("'stauts'"), r.err());
    assertTrue(r.err().contains("see: tako --help"), r.err());
  }

  @Test
  void theUsageListsEveryCommand() {
    Run r = run();
    for (String name : Main.COMMANDS.keySet()) {
      assertTrue(r.out().contains("  " + name + " "), name + " in " + r.out());
    }
  }

  private static void collect(CommandLine cl, List<String> path, List<List<String>> out) {
    out.add(List.copyOf(path));
    for (var e : cl.getSubcommands().entrySet()) {
      if (e.getKey().equals("help")) {
        continue;
      }
      List<String> sub = new ArrayList<>(path);
      sub.add(e.getKey());
      collect(e.getValue(), sub, out);
    }
  }
}
