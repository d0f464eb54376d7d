package dev.tako.node.channels;

import dev.tako.proxy.channels.ChannelKey;
import java.util.regex.Pattern;

/**
 * A channel's key as nodes exchange it ({@code app/env/name}) and the rule for names (SPEC §13:
 * 1–128 of {@code [A-Za-z0-9._:-]}).
 */
public final class ChannelKeys {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private ChannelKeys() {}

  public record Parsed(String app, String env, String channel) {}

  public static boolean validName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  public static String of(ChannelKey key) {
    return key.app() + "/" + key.env() + "/" + key.channel();
  }

  /** The parts of a key, or null when it is not one. */
  public static Parsed parse(String key) {
    String[] parts = key.split("/", -1);
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || !validName(parts[2])) {
      return null;
    }
    return new Parsed(parts[0], parts[1], parts[2]);
  }
}
