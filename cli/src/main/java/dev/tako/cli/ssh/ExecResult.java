package dev.tako.cli.ssh;

/** What a remote command left behind: its exit status and everything it printed. */
public record ExecResult(int exitStatus, String stdout, String stderr) {

  public boolean ok() {
    return exitStatus == 0;
  }
}
