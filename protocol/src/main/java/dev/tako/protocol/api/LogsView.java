package dev.tako.protocol.api;

import java.util.List;

/**
 * The answer of {@code GET /v1/logs}: lines from every server that answered, in time order, the
 * servers that answered and the members that did not (unreachable, or no answer in time).
 */
public record LogsView(List<LogLine> lines, List<String> servers, List<String> unreachable) {
  public LogsView {
    lines = List.copyOf(lines);
    servers = List.copyOf(servers);
    unreachable = List.copyOf(unreachable);
  }
}
