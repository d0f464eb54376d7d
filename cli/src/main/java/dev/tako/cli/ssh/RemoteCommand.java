package dev.tako.cli.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.Signal;

/**
 * One remote command wired to local streams, as {@code ssh host cmd} does: its stdout and stderr
 * are copied as they come, local stdin is sent until it ends (then EOF), and with a {@link
 * Terminal} the command gets a PTY of that type and size, so consoles and REPLs work. The result is
 * the command's exit status; a command killed by a signal gives 128 + its number, and a channel
 * closed without either gives 255, as OpenSSH's client does. Failing to open the session or start
 * the command is an {@link IOException}.
 */
final class RemoteCommand {
  private static final int NO_STATUS = 255;

  private RemoteCommand() {}

  static int run(
      SSHClient client,
      String command,
      Terminal pty,
      InputStream in,
      OutputStream out,
      OutputStream err)
      throws IOException, InterruptedException {
    try (Session session = client.startSession()) {
      if (pty != null) {
        session.allocatePTY(pty.term(), pty.columns(), pty.rows(), 0, 0, Map.of());
      }
      Session.Command cmd = session.exec(command);
      Runnable unwatch = pty == null ? () -> {} : Terminal.onResize(size -> resize(cmd, size));
      Thread stdout = pump(cmd.getInputStream(), out, false, "stdout");
      Thread stderr = pump(cmd.getErrorStream(), err, false, "stderr");
      // a daemon: a read of local stdin may block past the command's end, and must not hold the JVM
      pump(in, cmd.getOutputStream(), true, "stdin");
      try {
        cmd.join();
        stdout.join();
        stderr.join();
      } finally {
        unwatch.run();
      }
      return exitCode(cmd.getExitStatus(), cmd.getExitSignal());
    }
  }

  /** Tells the remote PTY the terminal's new size (the window-change request of RFC 4254 6.7). */
  private static void resize(Session.Command cmd, Terminal size) {
    if (cmd instanceof Session.Shell shell) {
      try {
        shell.changeWindowDimensions(size.columns(), size.rows(), 0, 0);
      } catch (IOException e) {
        // the command is ending: nothing left to resize
      }
    }
  }

  static int exitCode(Integer status, Signal signal) {
    if (status != null) {
      return status;
    }
    if (signal == null) {
      return NO_STATUS;
    }
    int number =
        switch (signal) {
          case HUP -> 1;
          case INT -> 2;
          case QUIT -> 3;
          case ILL -> 4;
          case ABRT -> 6;
          case FPE -> 8;
          case KILL -> 9;
          case USR1 -> 10;
          case SEGV -> 11;
          case USR2 -> 12;
          case PIPE -> 13;
          case ALRM -> 14;
          case TERM -> 15;
          case UNKNOWN -> NO_STATUS - 128;
        };
    return 128 + number;
  }

  /**
   * Copies until EOF, flushing each chunk; closes {@code to} at the end when asked (stdin: EOF).
   */
  private static Thread pump(InputStream from, OutputStream to, boolean closeAtEnd, String name) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[8192];
              try {
                int n;
                while ((n = from.read(buf)) > 0) {
                  to.write(buf, 0, n);
                  to.flush();
                }
              } catch (IOException e) {
                // the channel closed under the copy: the command's status tells what happened
              } finally {
                if (closeAtEnd) {
                  try {
                    to.close();
                  } catch (IOException ignored) {
                    // the channel is gone already
                  }
                }
              }
            },
            "tako-run-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
