package dev.tako.protocol.config;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code [channels]} table of tako.toml (SPEC §13): which channels anyone may subscribe to, the
 * app's path that decides about the others, and how much history each channel keeps. Plain data,
 * validated by {@link AppConfigLoader}; it travels to the nodes inside the deploy request.
 *
 * @param publicPatterns channel names or patterns with {@code *} (any run of characters) anyone may
 *     subscribe to
 * @param authorize the app's path asked {@code GET <path>?channel=NAME&op=subscribe|publish} for
 *     other channels and for publishes by visitors, or null (then those are refused)
 * @param retention how long each channel keeps its messages, as written ("10m")
 * @param retentionMessages how many messages each channel keeps at most
 */
public record ChannelsConfig(
    List<String> publicPatterns, String authorize, String retention, int retentionMessages) {
  public static final String DEFAULT_RETENTION = "10m";
  public static final int DEFAULT_RETENTION_MESSAGES = 1000;
  public static final int MAX_RETENTION_MESSAGES = 100_000;
  public static final Duration MAX_RETENTION = Duration.ofDays(7);

  /** A channel name: 1–128 of {@code [A-Za-z0-9._:-]}. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  /** A public pattern: a name that may contain {@code *}. */
  public static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9._:*-]{1,128}");

  public static final String NAME_RULE = "1-128 of A-Z a-z 0-9 . _ : - (and * in patterns)";

  public ChannelsConfig {
    publicPatterns = publicPatterns == null ? List.of() : List.copyOf(publicPatterns);
    retention = retention == null ? DEFAULT_RETENTION : retention;
    retentionMessages = retentionMessages <= 0 ? DEFAULT_RETENTION_MESSAGES : retentionMessages;
  }
}
