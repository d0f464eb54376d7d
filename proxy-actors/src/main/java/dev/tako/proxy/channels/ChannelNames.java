package dev.tako.proxy.channels;

/**
 * Channel names and public patterns (SPEC §13): a name is 1–128 of {@code [A-Za-z0-9._:-]}; a
 * pattern may add {@code *}, matching any run of name characters (none included). Pure functions.
 */
public final class ChannelNames {
  /** Where visitors subscribe: {@code /_tako/channels/NAME}. */
  public static final String PREFIX = "/_tako/channels/";

  public static final int MAX_LENGTH = 128;

  private ChannelNames() {}

  /** Whether {@code name} is a valid channel name. */
  public static boolean valid(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (!nameChar(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  static boolean nameChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '.'
        || c == '_'
        || c == ':'
        || c == '-';
  }

  /**
   * Whether {@code name} matches {@code pattern}, where {@code *} stands for any run of characters.
   * Linear in the lengths (greedy with one backtrack point per star), so hostile patterns cost
   * nothing more than long ones.
   */
  public static boolean matches(String pattern, String name) {
    int p = 0;
    int n = 0;
    int star = -1;
    int resume = 0;
    while (n < name.length()) {
      if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        resume = n;
      } else if (p < pattern.length() && pattern.charAt(p) == name.charAt(n)) {
        p++;
        n++;
      } else if (star >= 0) {
        p = star + 1;
        n = ++resume;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }
}
