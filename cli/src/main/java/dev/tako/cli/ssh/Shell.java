package dev.tako.cli.ssh;

/** Words for a remote POSIX shell command line. */
public final class Shell {
  private Shell() {}

  /** {@code word} single-quoted: the remote shell expands nothing of it. */
  public static String quote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
