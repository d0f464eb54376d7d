package dev.tako.cli;

import dev.tako.cli.commands.DeleteCommand;
import dev.tako.cli.commands.DemoCommand;
import dev.tako.cli.commands.DeployCommand;
import dev.tako.cli.commands.DevCommand;
import dev.tako.cli.commands.InitCommand;
import dev.tako.cli.commands.LogsCommand;
import dev.tako.cli.commands.PlaygroundCommand;
import dev.tako.cli.commands.ReleasesCommand;
import dev.tako.cli.commands.RunCommand;
import dev.tako.cli.commands.ScaleCommand;
import dev.tako.cli.commands.SecretsCommand;
import dev.tako.cli.commands.ServersCommand;
import dev.tako.cli.commands.StatusCommand;
import dev.tako.protocol.Version;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code tako} command. Owns the exit codes (SPEC §2) in one place: usage errors are 2, {@link
 * CliException}s carry theirs, anything unexpected is 1 with a one-line {@code error:} (the stack
 * trace only with {@code --verbose}).
 */
@Command(
    name = "tako",
    mixinStandardHelpOptions = true,
    versionProvider = Main.VersionProvider.class,
    description = "Deploy apps as native processes to your own servers in several regions.")
public final class Main implements Runnable {
  /**
   * The subcommands by name, in the order of the usage text. Registered lazily ({@link
   * #commandLine}): picocli builds a command's model by reflection over its options, which costs
   * more than a second of CPU for all of them in a cold JVM, so a command builds only its own.
   */
  static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

  static {
    COMMANDS.put("init", InitCommand::new);
    COMMANDS.put("servers", ServersCommand::new);
    COMMANDS.put("deploy", DeployCommand::new);
    COMMANDS.put("status", StatusCommand::new);
    COMMANDS.put("logs", LogsCommand::new);
    COMMANDS.put("scale", ScaleCommand::new);
    COMMANDS.put("delete", DeleteCommand::new);
    COMMANDS.put("releases", ReleasesCommand::new);
    COMMANDS.put("run", RunCommand::new);
    COMMANDS.put("secrets", SecretsCommand::new);
    COMMANDS.put("dev", DevCommand::new);
    COMMANDS.put("playground", PlaygroundCommand::new);
    COMMANDS.put("demo", DemoCommand::new);
  }

  @Option(
      names = "--verbose",
      scope = CommandLine.ScopeType.INHERIT,
      description = "Show stack traces of errors.")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Prints the version, as {@code tako --version}. */
  public static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"tako " + Version.VALUE};
    }
  }

  /** The whole command tree, every subcommand registered (usage, tests). */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    COMMANDS.forEach((name, command) -> cli.addSubcommand(name, command.get()));
    return cli;
  }

  /**
   * The command tree for these arguments: only the subcommand they name (its own subcommands
   * included); none for the top-level options alone ({@code --version}); all of them when the first
   * word names none (the usage text and picocli's "did you mean" list them).
   */
  static CommandLine commandLine(String... args) {
    String first = null;
    for (String a : args) {
      if (a.equals("--")) {
        break;
      }
      if (!a.startsWith("-")) {
        first = a;
        break;
      }
    }
    Supplier<Object> command = first == null ? null : COMMANDS.get(first);
    if (first != null && command == null) {
      return commandLine();
    }
    CommandLine cli = new CommandLine(new Main());
    if (command != null) {
      cli.addSubcommand(first, command.get());
    } else if (!onlyVersion(args)) {
      return commandLine(); // `tako`, `tako --help`: the usage lists every command
    }
    return cli;
  }

  private static boolean onlyVersion(String... args) {
    boolean version = false;
    for (String a : args) {
      if (a.equals("-V") || a.equals("--version")) {
        version = true;
      } else if (!a.equals("--verbose")) {
        return false;
      }
    }
    return version;
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
    if (verbose) {
      System.setProperty(dev.tako.cli.ssh.Ssh.VERBOSE_PROPERTY, "true");
    }
    CommandLine cli = commandLine(args);
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          int code = ex instanceof CliException c ? c.exitCode() : CliException.FAILED;
          String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
          if (!(ex instanceof CliException)) {
            msg =
                "unexpected "
                    + ex.getClass().getSimpleName()
                    + ": "
                    + msg
                    + (verbose ? "" : " (run again with --verbose for details)");
          }
          System.err.println(msg.startsWith("error:") ? msg : "error: " + msg);
          if (verbose) {
            StringWriter sw = new StringWriter();
            ex.printStackTrace(new PrintWriter(sw));
            System.err.print(sw);
          }
          return code;
        });
    cli.setParameterExceptionHandler(
        (ex, arguments) -> {
          System.err.println("error: " + ex.getMessage());
          CommandLine c = ex.getCommandLine();
          System.err.println("see: " + c.getCommandSpec().qualifiedName() + " --help");
          return CliException.USAGE;
        });
    return cli.execute(args);
  }
}
