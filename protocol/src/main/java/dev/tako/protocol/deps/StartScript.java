package dev.tako.protocol.deps;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The start command made of {@code package.json}'s {@code scripts.start} (SPEC §10), run as the
 * package manager would, with {@code node_modules/.bin} first on {@code PATH}, but with {@code
 * exec} so the shell is replaced and the instance's pid is the app's (signals reach it, the
 * supervisor's health and stop act on it). Leading {@code NAME=value} assignments stay before the
 * {@code exec} so they reach the app.
 */
public final class StartScript {
  private static final Pattern ASSIGNMENTS =
      Pattern.compile("^((?:[A-Za-z_][A-Za-z0-9_]*=\\S*\\s+)*)(.*)$", Pattern.DOTALL);

  private StartScript() {}

  /** {@code sh -c 'PATH=...; exec <script>'}, run in the release directory. */
  public static List<String> command(String script) {
    Matcher m = ASSIGNMENTS.matcher(script.strip());
    m.matches(); // the pattern matches every string
    String shell =
        "PATH=\"$PWD/node_modules/.bin:$PATH\"; export PATH; " + m.group(1) + "exec " + m.group(2);
    return List.of("sh", "-c", shell);
  }
}
