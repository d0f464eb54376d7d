package dev.tako.protocol.deps;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A version range as {@code package.json}'s {@code engines} writes it, with npm's semantics: sets
 * joined by {@code ||}, each a space-separated AND of comparators ({@code >=}, {@code >}, {@code
 * <}, {@code <=}, {@code =}, bare versions), caret ({@code ^}) and tilde ({@code ~}) ranges,
 * x-ranges ({@code 20.x}, {@code 20}, {@code *}) and hyphen ranges ({@code 18 - 20}). Each set is
 * reduced to plain comparators, so matching is comparing. A prerelease version only matches a set
 * that names a prerelease of the same major.minor.patch, as npm does. A range npm would reject
 * fails {@link #parse} with an {@link IllegalArgumentException} naming it.
 */
public final class SemverRange {
  private static final String PART = "(?:0|[1-9]\\d*|[xX*])";
  private static final Pattern PARTIAL =
      Pattern.compile(
          "^v?("
              + PART
              + ")(?:\\.("
              + PART
              + ")(?:\\.("
              + PART
              + ")"
              + "(?:-([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?"
              + "(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?)?)?$");
  private static final Pattern COMPARATOR = Pattern.compile("^(>=|<=|>|<|=|~>|~|\\^)?(.*)$");
  private static final Pattern HYPHEN = Pattern.compile("^(\\S+)\\s+-\\s+(\\S+)$");

  private final String text;
  private final List<List<Comparator>> sets;

  private SemverRange(String text, List<List<Comparator>> sets) {
    this.text = text;
    this.sets = sets;
  }

  /** The range as written. */
  @Override
  public String toString() {
    return text;
  }

  /** Parses a range; an empty one matches every release version, like {@code *}. */
  public static SemverRange parse(String range) {
    List<List<Comparator>> sets = new ArrayList<>();
    for (String set : range.split("\\|\\|", -1)) {
      sets.add(parseSet(range, set.strip()));
    }
    return new SemverRange(range, List.copyOf(sets));
  }

  /** Whether {@code version} (such as {@code v20.19.2} or {@code 1.1.38}) is in the range. */
  public boolean satisfiedBy(String version) {
    return satisfiedBy(Version.parse(version));
  }

  public boolean satisfiedBy(Version v) {
    for (List<Comparator> set : sets) {
      if (matches(set, v)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(List<Comparator> set, Version v) {
    for (Comparator c : set) {
      if (!c.test(v)) {
        return false;
      }
    }
    if (v.pre().isEmpty()) {
      return true;
    }
    for (Comparator c : set) {
      if (!c.version().pre().isEmpty() && c.version().sameCore(v)) {
        return true;
      }
    }
    return false;
  }

  private static List<Comparator> parseSet(String range, String set) {
    // "> = 1.2" and ">= 1.2": npm lets an operator stand apart from its version.
    String s = set.replaceAll("(>=|<=|>|<|=|~>|~|\\^)\\s+", "$1");
    List<Comparator> out = new ArrayList<>();
    Matcher hyphen = HYPHEN.matcher(s);
    if (hyphen.matches()) {
      out.addAll(lowerBound(">=", partial(range, hyphen.group(1))));
      out.addAll(upperBound("<=", partial(range, hyphen.group(2))));
      return List.copyOf(out);
    }
    for (String token : s.split("\\s+")) {
      if (!token.isEmpty()) {
        out.addAll(comparator(range, token));
      }
    }
    return List.copyOf(out);
  }

  /** A version with possibly missing or wild parts; null parts are wild. */
  private record Partial(Integer major, Integer minor, Integer patch, List<String> pre) {
    boolean anyWild() {
      return major == null || minor == null || patch == null;
    }

    Version floor() {
      return new Version(
          major == null ? 0 : major, minor == null ? 0 : minor, patch == null ? 0 : patch, pre);
    }

    /** The first version above every one this partial names (only for a partial with wilds). */
    Version ceiling() {
      if (minor == null) {
        return Version.lowest(major + 1, 0, 0);
      }
      return Version.lowest(major, minor + 1, 0);
    }
  }

  private static Partial partial(String range, String text) {
    Matcher m = PARTIAL.matcher(text.strip());
    if (!m.matches()) {
      throw invalid(range);
    }
    Integer major = number(m.group(1));
    Integer minor = major == null ? null : number(m.group(2));
    Integer patch = minor == null ? null : number(m.group(3));
    List<String> pre =
        patch != null && m.group(4) != null ? List.of(m.group(4).split("\\.")) : List.of();
    return new Partial(major, minor, patch, pre);
  }

  private static Integer number(String part) {
    if (part == null || part.equalsIgnoreCase("x") || part.equals("*")) {
      return null;
    }
    try {
      return Integer.parseInt(part);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("version part too large: " + part, e);
    }
  }

  private static List<Comparator> comparator(String range, String token) {
    Matcher m = COMPARATOR.matcher(token);
    m.matches();
    String op = m.group(1) == null ? "" : m.group(1);
    Partial p = partial(range, m.group(2));
    return switch (op) {
      case "^" -> caret(p);
      case "~", "~>" -> tilde(p);
      case ">=", ">" -> lowerBound(op, p);
      case "<=", "<" -> upperBound(op, p);
      default -> exact(p);
    };
  }

  private static List<Comparator> exact(Partial p) {
    if (p.major() == null) {
      return List.of();
    }
    if (!p.anyWild()) {
      return List.of(new Comparator("=", p.floor()));
    }
    return List.of(new Comparator(">=", p.floor()), new Comparator("<", p.ceiling()));
  }

  private static List<Comparator> lowerBound(String op, Partial p) {
    if (p.major() == null) {
      return op.equals(">") ? List.of(new Comparator("<", Version.lowest(0, 0, 0))) : List.of();
    }
    if (op.equals(">") && p.anyWild()) {
      return List.of(new Comparator(">=", p.ceiling())); // >1.2 is >=1.3.0
    }
    return List.of(new Comparator(op, p.floor()));
  }

  private static List<Comparator> upperBound(String op, Partial p) {
    if (p.major() == null) {
      return op.equals("<") ? List.of(new Comparator("<", Version.lowest(0, 0, 0))) : List.of();
    }
    if (!p.anyWild()) {
      return List.of(new Comparator(op, p.floor()));
    }
    // <=1.2 is <1.3.0-0; <1.2 is <1.2.0-0.
    return List.of(new Comparator("<", op.equals("<=") ? p.ceiling() : Version.lowest(p.floor())));
  }

  private static List<Comparator> tilde(Partial p) {
    if (p.major() == null) {
      return List.of();
    }
    Version upper =
        p.minor() == null
            ? Version.lowest(p.major() + 1, 0, 0)
            : Version.lowest(p.major(), p.minor() + 1, 0);
    return List.of(new Comparator(">=", p.floor()), new Comparator("<", upper));
  }

  private static List<Comparator> caret(Partial p) {
    if (p.major() == null) {
      return List.of();
    }
    Version upper;
    if (p.major() > 0 || p.minor() == null) {
      upper = Version.lowest(p.major() + 1, 0, 0);
    } else if (p.minor() > 0 || p.patch() == null) {
      upper = Version.lowest(0, p.minor() + 1, 0);
    } else {
      upper = Version.lowest(0, 0, p.patch() + 1);
    }
    return List.of(new Comparator(">=", p.floor()), new Comparator("<", upper));
  }

  private static IllegalArgumentException invalid(String range) {
    return new IllegalArgumentException("not a valid version range: \"" + range + "\"");
  }

  private record Comparator(String op, Version version) {
    boolean test(Version v) {
      int c = v.compareTo(version);
      return switch (op) {
        case ">=" -> c >= 0;
        case ">" -> c > 0;
        case "<=" -> c <= 0;
        case "<" -> c < 0;
        default -> c == 0;
      };
    }
  }

  /**
   * A semantic version, ordered as semver says (a prerelease before its release; numeric
   * identifiers numerically and before alphanumeric ones). Build metadata is ignored.
   */
  public record Version(int major, int minor, int patch, List<String> pre)
      implements java.lang.Comparable<Version> {
    public Version {
      pre = List.copyOf(pre);
    }

    /** The smallest version of major.minor.patch: its {@code -0} prerelease. */
    static Version lowest(int major, int minor, int patch) {
      return new Version(major, minor, patch, List.of("0"));
    }

    static Version lowest(Version v) {
      return lowest(v.major, v.minor, v.patch);
    }

    /** Parses {@code 20.19.2}, {@code v20.19.2}, {@code 1.2.3-rc.1+build}. */
    public static Version parse(String text) {
      Partial p;
      try {
        p = partial(text, text.strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("not a version: \"" + text + "\"", e);
      }
      if (p.anyWild()) {
        throw new IllegalArgumentException("not a version: \"" + text + "\"");
      }
      return p.floor();
    }

    boolean sameCore(Version o) {
      return major == o.major && minor == o.minor && patch == o.patch;
    }

    @Override
    public int compareTo(Version o) {
      int c = Integer.compare(major, o.major);
      if (c == 0) {
        c = Integer.compare(minor, o.minor);
      }
      if (c == 0) {
        c = Integer.compare(patch, o.patch);
      }
      return c != 0 ? c : comparePre(pre, o.pre);
    }

    private static int comparePre(List<String> a, List<String> b) {
      if (a.isEmpty() || b.isEmpty()) {
        return Boolean.compare(a.isEmpty(), b.isEmpty()); // a release sorts after its prereleases
      }
      for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
        int c = compareIdentifier(a.get(i), b.get(i));
        if (c != 0) {
          return c;
        }
      }
      return Integer.compare(a.size(), b.size());
    }

    private static int compareIdentifier(String a, String b) {
      boolean an = a.chars().allMatch(Character::isDigit);
      boolean bn = b.chars().allMatch(Character::isDigit);
      if (an && bn) {
        return new java.math.BigInteger(a).compareTo(new java.math.BigInteger(b));
      }
      if (an != bn) {
        return an ? -1 : 1;
      }
      return a.compareTo(b);
    }

    @Override
    public String toString() {
      return major + "." + minor + "." + patch + (pre.isEmpty() ? "" : "-" + String.join(".", pre));
    }
  }
}
