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
    description = "Deploy apps as native processes to your own servers in several regions.",
    subcommands = {
      InitCommand.class,
      ServersCommand.class,
      DeployCommand.class,
      StatusCommand.class,
      LogsCommand.class,
      ScaleCommand.class,
      DeleteCommand.class,
      ReleasesCommand.class,
      RunCommand.class,
      SecretsCommand.class,
      DevCommand.class,
      PlaygroundCommand.class,
      DemoCommand.class
    })
public final class Main implements Runnable {
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

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
    if (verbose) {
      System.setProperty(dev.tako.cli.ssh.Ssh.VERBOSE_PROPERTY, "true");
    }
    CommandLine cli = new CommandLine(new Main());
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
