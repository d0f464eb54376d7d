package dev.tako.proxy.channels;

import java.util.List;

/**
 * One app environment's {@code [channels]} as the proxy applies it (SPEC §13): who may subscribe
 * without asking the app, which path of the app decides otherwise, and the history each channel
 * keeps. Immutable; built from the release the node runs.
 *
 * @param publicPatterns names or patterns with {@code *} anyone may subscribe to
 * @param authorize the app's path asked about other channels and about publishes, or null
 * @param retention the history each channel keeps
 */
public record ChannelPolicy(
    List<String> publicPatterns, String authorize, ChannelRetention retention) {
  /** An app without {@code [channels]}: nothing public, nobody asked, the default history. */
  public static final ChannelPolicy NONE =
      new ChannelPolicy(List.of(), null, ChannelRetention.DEFAULT);

  public ChannelPolicy {
    publicPatterns = List.copyOf(publicPatterns);
    retention = retention == null ? ChannelRetention.DEFAULT : retention;
  }

  /** Whether anyone may subscribe to {@code channel}. */
  public boolean isPublic(String channel) {
    for (String pattern : publicPatterns) {
      if (ChannelNames.matches(pattern, channel)) {
        return true;
      }
    }
    return false;
  }
}
