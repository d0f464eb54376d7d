package dev.tako.cli.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the {@code HostName}, {@code User}, {@code Port} and {@code IdentityFile} that an OpenSSH
 * client config ({@code ~/.ssh/config}) gives a host or alias. As in OpenSSH, {@code Host} patterns
 * may use {@code *}, {@code ?} and {@code !negation}, settings before the first {@code Host} apply
 * to every host, and the first value found for a keyword wins. {@code Match} blocks and {@code
 * Include} are not evaluated (their settings are ignored). A missing file resolves nothing; an
 * unreadable file fails with an {@link IOException} naming it; a bad {@code Port} fails with one
 * naming the line.
 */
public final class SshConfigResolver {

  /**
   * What the config says about one host.
   *
   * @param hostName the name to connect to (the alias itself when no {@code HostName} is set)
   * @param user the {@code User}, or {@code null}
   * @param port the {@code Port}, or {@code null}
   * @param identityFile the first {@code IdentityFile} with {@code ~} expanded, or {@code null}
   */
  public record Resolved(String hostName, String user, Integer port, Path identityFile) {}

  private final Path sshConfigFile;
  private final Path home;

  /** Resolves against the given config file; {@code ~} means the user's home directory. */
  public SshConfigResolver(Path sshConfigFile) {
    this(sshConfigFile, Path.of(System.getProperty("user.home")));
  }

  /** As above with an explicit home directory for {@code ~} (for tests). */
  public SshConfigResolver(Path sshConfigFile, Path home) {
    this.sshConfigFile = sshConfigFile;
    this.home = home;
  }

  /** The config's user file, {@code ~/.ssh/config}. */
  public static SshConfigResolver userDefault() {
    Path home = Path.of(System.getProperty("user.home"));
    return new SshConfigResolver(home.resolve(".ssh").resolve("config"), home);
  }

  public Resolved resolve(String hostOrAlias) throws IOException {
    if (sshConfigFile == null || !Files.isRegularFile(sshConfigFile)) {
      return new Resolved(hostOrAlias, null, null, null);
    }
    List<String> lines = Files.readAllLines(sshConfigFile, StandardCharsets.UTF_8);
    String hostName = null;
    String user = null;
    Integer port = null;
    Path identity = null;
    boolean applies = true; // settings before the first Host block apply to every host
    for (int i = 0; i < lines.size(); i++) {
      List<String> words = words(lines.get(i));
      if (words.isEmpty()) {
        continue;
      }
      String keyword = words.get(0).toLowerCase(Locale.ROOT);
      List<String> args = words.subList(1, words.size());
      switch (keyword) {
        case "host" -> applies = hostMatches(hostOrAlias, args);
        case "match" -> applies = false;
        case "hostname" -> {
          if (applies && hostName == null && !args.isEmpty()) {
            hostName = args.get(0).replace("%h", hostOrAlias).replace("%%", "%");
          }
        }
        case "user" -> {
          if (applies && user == null && !args.isEmpty()) {
            user = args.get(0);
          }
        }
        case "port" -> {
          if (applies && port == null && !args.isEmpty()) {
            port = parsePort(args.get(0), i + 1);
          }
        }
        case "identityfile" -> {
          if (applies && identity == null && !args.isEmpty()) {
            identity = expand(args.get(0), hostOrAlias);
          }
        }
        default -> {
          // other keywords are OpenSSH's business, not ours
        }
      }
    }
    return new Resolved(hostName == null ? hostOrAlias : hostName, user, port, identity);
  }

  private int parsePort(String value, int lineNumber) throws IOException {
    try {
      int p = Integer.parseInt(value);
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IOException(
        sshConfigFile
            + " line "
            + lineNumber
            + ": Port "
            + value
            + " is not a port number (1-65535); fix that line");
  }

  private Path expand(String value, String alias) {
    String v = value.replace("%d", home.toString()).replace("%h", alias).replace("%%", "%");
    if (v.equals("~")) {
      return home;
    }
    if (v.startsWith("~/")) {
      return home.resolve(v.substring(2));
    }
    Path p = Path.of(v);
    // OpenSSH reads relative IdentityFile paths from the home directory
    return p.isAbsolute() ? p : home.resolve(p);
  }

  /** OpenSSH semantics: any positive pattern matches and no negated one does. */
  static boolean hostMatches(String host, List<String> patterns) {
    boolean matched = false;
    for (String pattern : patterns) {
      if (pattern.startsWith("!")) {
        if (glob(pattern.substring(1), host)) {
          return false;
        }
      } else if (glob(pattern, host)) {
        matched = true;
      }
    }
    return matched;
  }

  /** {@code *} and {@code ?} globbing, case-insensitive like OpenSSH host matching. */
  static boolean glob(String pattern, String text) {
    String p = pattern.toLowerCase(Locale.ROOT);
    String t = text.toLowerCase(Locale.ROOT);
    int pi = 0;
    int ti = 0;
    int star = -1;
    int mark = 0;
    while (ti < t.length()) {
      if (pi < p.length() && (p.charAt(pi) == '?' || p.charAt(pi) == t.charAt(ti))) {
        pi++;
        ti++;
      } else if (pi < p.length() && p.charAt(pi) == '*') {
        star = pi++;
        mark = ti;
      } else if (star >= 0) {
        pi = star + 1;
        ti = ++mark;
      } else {
        return false;
      }
    }
    while (pi < p.length() && p.charAt(pi) == '*') {
      pi++;
    }
    return pi == p.length();
  }

  /** Splits a config line into words: {@code Key value}, {@code Key=value}, quotes, comments. */
  static List<String> words(String line) {
    List<String> out = new ArrayList<>();
    String s = line.strip();
    if (s.isEmpty() || s.startsWith("#")) {
      return out;
    }
    // the first separator may be '=' (with optional spaces around it)
    int sep = 0;
    while (sep < s.length() && !Character.isWhitespace(s.charAt(sep)) && s.charAt(sep) != '=') {
      sep++;
    }
    out.add(s.substring(0, sep));
    String rest = s.substring(sep).strip();
    if (rest.startsWith("=")) {
      rest = rest.substring(1).strip();
    }
    StringBuilder word = new StringBuilder();
    boolean quoted = false;
    boolean inWord = false;
    for (int i = 0; i < rest.length(); i++) {
      char c = rest.charAt(i);
      if (c == '"') {
        quoted = !quoted;
        inWord = true;
      } else if (!quoted && Character.isWhitespace(c)) {
        if (inWord) {
          out.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else if (!quoted && c == '#' && !inWord) {
        break;
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      out.add(word.toString());
    }
    return out;
  }
}
