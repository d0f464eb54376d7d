package dev.tako.node.logs;

import dev.tako.protocol.CborSerializable;
import dev.tako.protocol.api.LogLine;
import java.util.List;

/** One server's answer to {@link dev.tako.node.NodeAgent.ReadLogs}: its lines, in time order. */
public record LogLines(String server, String region, List<LogLine> lines)
    implements CborSerializable {
  public LogLines {
    lines = List.copyOf(lines);
  }
}
