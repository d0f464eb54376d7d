package dev.tako.cli.commands;

import dev.tako.cli.AppContext;
import dev.tako.cli.CliException;
import dev.tako.cli.NodeClient;
import dev.tako.cli.Output;
import dev.tako.cli.ssh.HostKeyPolicy;
import dev.tako.cli.ssh.SshException;
import dev.tako.cli.ssh.Terminal;
import dev.tako.protocol.api.RunRequest;
import dev.tako.protocol.api.RunTicket;
import dev.tako.protocol.config.ServerEntry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tako run [--env E] [--server S] -- CMD...} (SPEC §14): a one-off command (a migration, a
 * console, a REPL) on one server of the environment, in the current release's directory with the
 * app's environment (vars, secrets, {@code TAKO_*}, no {@code PORT}); output streamed, exit code
 * passed through, a PTY when the CLI runs on a terminal.
 *
 * <p>How the environment gets there: the node (which alone can open the secrets) writes it as a
 * private, self-deleting script and answers with its path ({@code POST /v1/run}); the SSH command
 * then starts from an empty environment, sources that script and {@code exec}s the user's command.
 * The secrets so never reach this machine, a command line ({@code ps}) or the command's stdin,
 * which stays the user's (a REPL needs it); see the node's {@code RunEnvFile} for the alternatives
 * weighed. Errors before the command starts use the usual exit codes (2 usage, 3 unreachable, 1 the
 * node refused, for example no release deployed); after, the exit code is the command's.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Run a one-off command on a server with the app's environment, in its current release"
            + " (put -- before the command).")
public final class RunCommand implements Callable<Integer> {
  @Mixin AppOptions app;

  @Option(
      names = "--server",
      paramLabel = "S",
      description = "The server to run on (default: the environment's first reachable one).")
  String server;

  @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command and its arguments.")
  List<String> command;

  @Override
  public Integer call() {
    AppContext ctx = app.load();
    Output out = new Output(false);
    try (NodeClient node = connect(ctx, out)) {
      RunTicket ticket =
          node.post(
              "/v1/run",
              new RunRequest(ctx.config().name(), ctx.envName()),
              RunTicket.class,
              Duration.ofSeconds(30));
      boolean interactive = System.console() != null;
      if (interactive) {
        out.progress(
            "running on "
                + ticket.server()
                + ", release "
                + ticket.release()
                + " ("
                + ticket.dir()
                + ")");
      }
      Terminal pty = interactive ? Terminal.current() : null;
      Runnable restore = interactive ? Terminal.raw() : () -> {};
      try {
        return node.ssh()
            .run(remoteCommand(ticket.envFile(), command), pty, System.in, System.out, System.err);
      } finally {
        restore.run();
        System.out.flush();
      }
    } catch (SshException e) {
      throw new CliException(CliException.UNREACHABLE, e.getMessage(), e);
    }
  }

  private NodeClient connect(AppContext ctx, Output out) {
    if (server == null) {
      return ctx.connect(out);
    }
    ServerEntry entry =
        ctx.servers().stream()
            .filter(s -> s.name().equals(server))
            .findFirst()
            .orElseThrow(
                () ->
                    CliException.usage(
                        "--server "
                            + server
                            + " is not one of envs."
                            + ctx.envName()
                            + ".servers "
                            + ctx.env().servers()));
    return NodeClient.connect(entry, ctx.home(), HostKeyPolicy.STRICT);
  }

  /**
   * The shell command sent over SSH: an empty environment but the terminal type, the node's script
   * sourced (it sets the environment, deletes itself and enters the release directory), then the
   * user's command in place of the shell. Every word is single-quoted, so the remote login shell
   * expands nothing of it.
   */
  static String remoteCommand(String envFile, List<String> command) {
    StringBuilder s =
        new StringBuilder(
            "exec env -i ${TERM:+\"TERM=$TERM\"} /bin/sh -c '. \"$0\" && exec \"$@\"' ");
    s.append(quote(envFile));
    for (String word : command) {
      s.append(' ').append(quote(word));
    }
    return s.toString();
  }

  static String quote(String word) {
    return dev.tako.cli.ssh.Shell.quote(word);
  }
}
