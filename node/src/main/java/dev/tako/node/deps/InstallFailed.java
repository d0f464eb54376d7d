package dev.tako.node.deps;

import java.util.List;

/** An install that failed: a message for the user and the package manager's last stderr lines. */
public final class InstallFailed extends Exception {
  private final List<String> lastStderr;

  public InstallFailed(String message, List<String> lastStderr) {
    super(message);
    this.lastStderr = List.copyOf(lastStderr);
  }

  public List<String> lastStderr() {
    return lastStderr;
  }
}
