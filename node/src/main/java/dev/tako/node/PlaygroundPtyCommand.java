package dev.tako.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;
import org.apache.sshd.server.shell.ProcessShellCommandFactory;

/**
 * A remote command of the playground's SSH endpoint that gets a real terminal when the client asked
 * for one ({@code tako run} on a terminal: a REPL, a console): the command then runs under {@code
 * script(1)}, which gives it a PTY of the requested size; without a PTY request it gets pipes, as
 * before. Which one is decided at start, once the channel's requests (pty-req) are known.
 */
final class PlaygroundPtyCommand implements Command {
  private static final Path SCRIPT = Path.of("/usr/bin/script");

  /** The factory for {@link PlaygroundSsh}. */
  static final CommandFactory FACTORY = (channel, command) -> new PlaygroundPtyCommand(command);

  private final String command;
  private InputStream in;
  private OutputStream out;
  private OutputStream err;
  private ExitCallback exit;
  private Command delegate;

  private PlaygroundPtyCommand(String command) {
    this.command = command;
  }

  /**
   * The command line that runs {@code command} on a PTY of {@code columns} x {@code rows}, or
   * {@code command} itself when the client asked for none (null size).
   */
  static String effective(String command, String columns, String rows) {
    if (columns == null || rows == null || !Files.isExecutable(SCRIPT)) {
      return command;
    }
    String inner =
        "stty cols "
            + Integer.parseInt(columns.trim())
            + " rows "
            + Integer.parseInt(rows.trim())
            + " 2>/dev/null; "
            + command;
    return "exec " + SCRIPT + " -qfec '" + inner.replace("'", "'\\''") + "' /dev/null";
  }

  @Override
  public void start(ChannelSession channel, Environment env) throws IOException {
    var vars = env.getEnv();
    String line;
    try {
      line = effective(command, vars.get(Environment.ENV_COLUMNS), vars.get(Environment.ENV_LINES));
    } catch (NumberFormatException e) {
      line = command; // a malformed size: pipes, as without a PTY
    }
    delegate = ProcessShellCommandFactory.INSTANCE.createCommand(channel, line);
    delegate.setInputStream(in);
    delegate.setOutputStream(out);
    delegate.setErrorStream(err);
    delegate.setExitCallback(exit);
    delegate.start(channel, env);
  }

  @Override
  public void destroy(ChannelSession channel) throws Exception {
    if (delegate != null) {
      delegate.destroy(channel);
    }
  }

  @Override
  public void setExitCallback(ExitCallback callback) {
    this.exit = callback;
  }

  @Override
  public void setInputStream(InputStream in) {
    this.in = in;
  }

  @Override
  public void setOutputStream(OutputStream out) {
    this.out = out;
  }

  @Override
  public void setErrorStream(OutputStream err) {
    this.err = err;
  }
}
