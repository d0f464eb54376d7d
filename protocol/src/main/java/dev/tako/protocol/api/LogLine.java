package dev.tako.protocol.api;

import dev.tako.protocol.CborSerializable;

/**
 * One line of an app's output, as {@code tako logs --json} prints it (SPEC §5).
 *
 * @param time when the node read it: ISO-8601 UTC with milliseconds
 * @param stream stdout | stderr
 */
public record LogLine(
    String time,
    String server,
    String region,
    String app,
    String env,
    String instance,
    String stream,
    String line)
    implements CborSerializable {}
